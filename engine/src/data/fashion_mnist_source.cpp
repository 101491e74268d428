#include "batchscope/engine/data/fashion_mnist_source.h"

#include <sys/mman.h>

#include <cstring>
#include <filesystem>

#include "batchscope/engine/image_dataset.h"
#include "batchscope/profiler/clock.h"

namespace batchscope::engine::data {
namespace {

std::string hex64(uint64_t v) {
    static const char* d = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = d[v & 15];
    return s;
}

}  // namespace

const std::array<const char*, 10>& fashion_mnist_class_names() noexcept {
    static const std::array<const char*, 10> k = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return k;
}

FashionMnistSource::FashionMnistSource(const FashionMnistOptions& o, std::shared_ptr<Storage> storage)
    : storage_(storage ? std::move(storage) : std::make_shared<Storage>()), dir_(o.dir), split_(o.split) {
    if (dir_.empty()) {
        dir_ = find_fashion_mnist_dir();
        if (dir_.empty())
            throw DatasetError(
                "Fashion-MNIST not found: install it with `sudo apt-get install dataset-fashion-mnist`, "
                "or pass --data DIR (a folder holding train-images-idx3-ubyte.gz and the other three files)");
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(dir_, ec))
        throw DatasetError(dir_ + ": no such folder (expected the Fashion-MNIST IDX files there)");
    const std::string images = dir_ + "/" + split_ + "-images-idx3-ubyte.gz";
    const std::string labels = dir_ + "/" + split_ + "-labels-idx1-ubyte.gz";
    const SourceStamp stamp = stamp_files(images, labels);
    const std::string canonical = std::filesystem::weakly_canonical(dir_, ec).string();
    const uint64_t key = checksum64(reinterpret_cast<const uint8_t*>(canonical.data()), canonical.size());
    cache_path_ = (o.cache_dir.empty() ? default_cache_dir() : o.cache_dir) + "/fashion-mnist-" + split_ + "-" +
                  hex64(key) + ".bsc";

    rebuilt_because_ = check_cache_file(cache_path_, stamp, layout_, labels_);
    if (!rebuilt_because_.empty()) {
        const ImageDataset d = load_fashion_mnist_split(dir_, split_);  // validates, names the bad file
        write_cache_file(cache_path_, {d.rows, d.cols, 1}, d.classes, d.pixels, d.labels, stamp);
        if (auto why = check_cache_file(cache_path_, stamp, layout_, labels_); !why.empty())
            throw DatasetError(cache_path_ + ": the sample cache just written is not valid (" + why + ")");
    }
    count_ = layout_.count;
    if (o.limit > 0 && o.limit < count_) count_ = o.limit;
    map_ = std::make_unique<MappedFile>(cache_path_);
    direct_ = open_direct(cache_path_);
}

std::string FashionMnistSource::describe() const {
    return "Fashion-MNIST " + split_ + ", " + std::to_string(count_) + " samples (" + dir_ + ", cache " + cache_path_ +
           ")";
}

std::string FashionMnistSource::class_name(int c) const {
    return c >= 0 && c < 10 ? fashion_mnist_class_names()[static_cast<size_t>(c)] : std::to_string(c);
}

void FashionMnistSource::read(int64_t i, SampleBuffers& b) const {
    const auto n = static_cast<size_t>(layout_.shape.bytes());
    const uint64_t off = layout_.data_offset + static_cast<uint64_t>(i) * n;
    b.image.reshape(layout_.shape);
    const StorageKind kind = storage_->profile();
    if (kind == StorageKind::PageCache) {
        std::memcpy(b.image.data(), map_->data() + off, n);
        return;
    }
    const int64_t t0 = profiler::now_ns();
    if (kind == StorageKind::Cold && direct_)
        pread_direct(direct_.get(), off, n, b.image.data(), b.direct, cache_path_);
    else
        std::memcpy(b.image.data(), map_->data() + off, n);
    storage_->charge(t0, 0, off, n, b.cancel);
}

void FashionMnistSource::prefetch(int64_t i) const noexcept {
    if (storage_->profile() != StorageKind::PageCache) return;
    const auto n = static_cast<size_t>(layout_.shape.bytes());
    const uint8_t* p = map_->data() + layout_.data_offset + static_cast<uint64_t>(i) * n;
    for (size_t off = 0; off < n; off += 64) __builtin_prefetch(p + off);
    __builtin_prefetch(p + n - 1);
}

void FashionMnistSource::begin_epoch() {
    if (!storage_->bypass_cache() || direct_) return;
    // No O_DIRECT here: unmap our pages and ask the kernel to drop the file's cached pages, so
    // that this epoch's first touch of each page reads the disk.
    madvise(const_cast<uint8_t*>(map_->data()), map_->size(), MADV_DONTNEED);
    drop_cached_pages(map_->fd());
}

}  // namespace batchscope::engine::data
