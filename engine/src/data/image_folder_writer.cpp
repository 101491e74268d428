#include "batchscope/engine/data/image_folder_writer.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "batchscope/engine/data/augment.h"
#include "batchscope/engine/data/fashion_mnist_source.h"
#include "batchscope/engine/image_dataset.h"

namespace fs = std::filesystem;

namespace batchscope::engine::data {
namespace {

struct Job {
    const ImageDataset* d;
    std::string dir;  // OUT/train or OUT/test
};

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    FILE* f = std::fopen(path.c_str(), "wb");
    bool ok = f && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    if (f) ok = (std::fclose(f) == 0) && ok;
    if (!ok) throw DatasetError(path + ": cannot write the image (disk full or not writable)");
}

}  // namespace

std::string fashion_class_folder(int label) {
    std::string s = std::to_string(label) + "-";
    for (const char* p = fashion_mnist_class_names()[static_cast<size_t>(label)]; *p; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        s += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '-';
    }
    return s;
}

ImageFolderWriteResult write_image_folder(const ImageFolderWriteOptions& o) {
    if (o.size < 8 || o.size > 1024) throw DatasetError("image size " + std::to_string(o.size) + " is out of range: use 8 to 1024");
    if (o.channels != 1 && o.channels != 3) throw DatasetError("channels must be 1 (grey) or 3 (RGB)");
    if (o.format != ImageFormat::Jpeg && o.format != ImageFormat::Png) throw DatasetError("format must be JPEG or PNG");
    if (o.jpeg.quality < 1 || o.jpeg.quality > 100)
        throw DatasetError("JPEG quality " + std::to_string(o.jpeg.quality) + " is out of range: use 1 to 100");
    std::error_code ec;
    if (o.out_dir.empty()) throw DatasetError("no output folder given");
    if (fs::exists(o.out_dir, ec) && !fs::is_empty(o.out_dir, ec))
        throw DatasetError(o.out_dir + ": already exists and is not empty; remove it or choose another folder");
    const auto t0 = std::chrono::steady_clock::now();
    std::string dir = o.fashion_dir.empty() ? find_fashion_mnist_dir() : o.fashion_dir;
    if (dir.empty())
        throw DatasetError("Fashion-MNIST not found: install it with `sudo apt-get install dataset-fashion-mnist`, "
                           "or pass --data DIR");
    const ImageDataset train = load_fashion_mnist_split(dir, "train", o.train_limit);
    const ImageDataset test = load_fashion_mnist_split(dir, "t10k", o.test_limit);
    const std::vector<Job> jobs = {{&train, o.out_dir + "/train"}, {&test, o.out_dir + "/test"}};
    for (const Job& j : jobs)
        for (int c = 0; c < 10; ++c) {
            fs::create_directories(j.dir + "/" + fashion_class_folder(c), ec);
            if (ec) throw DatasetError(j.dir + ": cannot create the folder: " + ec.message());
        }

    const int64_t total = train.count + test.count;
    std::atomic<int64_t> next{0}, done{0};
    std::atomic<uint64_t> bytes{0};
    std::mutex err_m;
    std::string error;
    auto work = [&] {
        Image src, grey, rgb;
        std::vector<int32_t> cols;
        std::vector<uint8_t> encoded;
        char name[32];
        for (int64_t k; (k = next.fetch_add(1)) < total;) {
            const Job& j = k < train.count ? jobs[0] : jobs[1];
            const int64_t i = k < train.count ? k : k - train.count;
            try {
                src.reshape({28, 28, 1});
                std::copy_n(j.d->image(i), 784, src.data());
                grey.reshape({o.size, o.size, 1});
                resize_bilinear(src, {0, 0, 28, 28}, grey, false, cols);
                const Image* img = &grey;
                if (o.channels == 3) {
                    rgb.reshape({o.size, o.size, 3});
                    for (int64_t p = 0; p < grey.shape.pixels(); ++p)
                        rgb.pixels[static_cast<size_t>(3 * p)] = rgb.pixels[static_cast<size_t>(3 * p + 1)] =
                            rgb.pixels[static_cast<size_t>(3 * p + 2)] = grey.pixels[static_cast<size_t>(p)];
                    img = &rgb;
                }
                if (o.format == ImageFormat::Jpeg) encode_jpeg(*img, o.jpeg, encoded);
                else encode_png(*img, PngOptions{}, encoded);
                std::snprintf(name, sizeof name, "/%05lld.%s", static_cast<long long>(i),
                              o.format == ImageFormat::Jpeg ? "jpg" : "png");
                write_file(j.dir + "/" + fashion_class_folder(j.d->labels[static_cast<size_t>(i)]) + name, encoded);
                bytes += encoded.size();
            } catch (const std::exception& e) {
                std::lock_guard lock(err_m);
                if (error.empty()) error = e.what();
                next.store(total);
                return;
            }
            const int64_t d = ++done;
            if (o.progress && (d % 500 == 0 || d == total)) o.progress(d, total);
        }
    };
    const int n = o.threads > 0 ? o.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    std::vector<std::thread> threads;
    for (int t = 0; t < n; ++t) threads.emplace_back(work);
    for (auto& t : threads) t.join();
    if (!error.empty()) throw DatasetError(error);
    return {total, bytes.load(),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
}

}  // namespace batchscope::engine::data
