#pragma once
// An in-memory labelled image dataset (8-bit pixels), and Fashion-MNIST loading.
#include <cstdint>
#include <string>
#include <vector>

namespace batchscope::engine {

struct ImageDataset {
    std::string name;
    int64_t count = 0;
    int rows = 0, cols = 0;
    int classes = 0;
    std::vector<uint8_t> pixels;  // count * rows * cols
    std::vector<uint8_t> labels;  // count, each < classes

    int64_t features() const noexcept { return int64_t{rows} * cols; }
    const uint8_t* image(int64_t i) const noexcept { return pixels.data() + i * features(); }
};

struct FashionMnist {
    ImageDataset train;
    ImageDataset test;
    std::string dir;
};

// Folder of Debian's dataset-fashion-mnist package (from `dpkg -L`), or empty if not installed.
std::string find_fashion_mnist_dir();

// Loads one split ("train" or "t10k") from `dir`: <prefix>-images-idx3-ubyte.gz and
// <prefix>-labels-idx1-ubyte.gz, validated (28 x 28 images, as many labels, labels < 10).
ImageDataset load_fashion_mnist_split(const std::string& dir, const std::string& prefix, int64_t limit = 0);

// Loads the four IDX files from `dir` (empty: find_fashion_mnist_dir()). `train_limit` and
// `test_limit` keep only the first N samples (0 = all). Throws DatasetError with a message that
// names the file and says what to do.
FashionMnist load_fashion_mnist(const std::string& dir, int64_t train_limit = 0, int64_t test_limit = 0);

}  // namespace batchscope::engine
