#include <cstdio>
#include <filesystem>
#include <memory>

#include "batchscope/engine/dataset_error.h"
#include "batchscope/engine/idx_reader.h"
#include "batchscope/engine/image_dataset.h"

namespace batchscope::engine {
namespace {

constexpr const char* kTrainImages = "train-images-idx3-ubyte.gz";

}  // namespace

ImageDataset load_fashion_mnist_split(const std::string& dir, const std::string& prefix, int64_t limit) {
    const std::string img_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
    const std::string lbl_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
    IdxArray img = read_idx_u8(img_path);
    IdxArray lbl = read_idx_u8(lbl_path);
    if (img.dims.size() != 3 || img.dims[1] != 28 || img.dims[2] != 28)
        throw DatasetError(img_path + ": expected images of shape N x 28 x 28, found " +
                           std::to_string(img.dims.size()) + " dimensions");
    if (lbl.dims.size() != 1) throw DatasetError(lbl_path + ": expected a 1-dimensional label file");
    if (lbl.dims[0] != img.dims[0])
        throw DatasetError(lbl_path + ": has " + std::to_string(lbl.dims[0]) + " labels but " + img_path + " has " +
                           std::to_string(img.dims[0]) + " images");
    for (size_t i = 0; i < lbl.data.size(); ++i)
        if (lbl.data[i] >= 10)
            throw DatasetError(lbl_path + ": label " + std::to_string(lbl.data[i]) + " at index " + std::to_string(i) +
                               " is out of range (Fashion-MNIST has 10 classes)");

    ImageDataset d;
    d.name = "fashion-mnist/" + prefix;
    d.rows = 28;
    d.cols = 28;
    d.classes = 10;
    d.count = img.dims[0];
    if (limit > 0 && limit < d.count) d.count = limit;
    img.data.resize(static_cast<size_t>(d.count * d.features()));
    lbl.data.resize(static_cast<size_t>(d.count));
    d.pixels = std::move(img.data);
    d.labels = std::move(lbl.data);
    return d;
}

std::string find_fashion_mnist_dir() {
    struct PipeCloser {
        void operator()(FILE* f) const { pclose(f); }
    };
    std::unique_ptr<FILE, PipeCloser> p(popen("dpkg -L dataset-fashion-mnist 2>/dev/null", "r"));
    if (!p) return {};
    char line[4096];
    const std::string suffix = std::string("/") + kTrainImages;
    while (std::fgets(line, sizeof line, p.get())) {
        std::string s(line);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
            return s.substr(0, s.size() - suffix.size());
    }
    return {};
}

FashionMnist load_fashion_mnist(const std::string& dir_in, int64_t train_limit, int64_t test_limit) {
    std::string dir = dir_in;
    if (dir.empty()) {
        dir = find_fashion_mnist_dir();
        if (dir.empty())
            throw DatasetError(
                "Fashion-MNIST not found: install it with `sudo apt-get install dataset-fashion-mnist`, "
                "or pass --data DIR (a folder holding train-images-idx3-ubyte.gz and the other three files)");
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw DatasetError(dir + ": no such folder (expected the Fashion-MNIST IDX files there)");
    FashionMnist f;
    f.dir = dir;
    f.train = load_fashion_mnist_split(dir, "train", train_limit);
    f.test = load_fashion_mnist_split(dir, "t10k", test_limit);
    return f;
}

}  // namespace batchscope::engine
