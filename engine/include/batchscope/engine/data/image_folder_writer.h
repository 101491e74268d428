#pragma once
// Writes a real image folder from Fashion-MNIST: OUT/train/<label>-<class>/<index>.jpg (and
// test/), each 28 x 28 image resized (bilinear) to SIZE x SIZE, grey or RGB, JPEG or PNG.
// Labels are kept (the class folders sort in label order), so a model trained on the folder
// learns the same task while the loader faces ImageNet-like decode costs.
#include <cstdint>
#include <functional>
#include <string>

#include "batchscope/engine/data/image_codec.h"

namespace batchscope::engine::data {

struct ImageFolderWriteOptions {
    std::string out_dir;        // must not exist, or be empty
    std::string fashion_dir;    // the IDX files; empty: Debian's dataset-fashion-mnist
    int size = 224;             // 8 .. 1024
    int channels = 3;           // 1 (grey) or 3 (RGB)
    ImageFormat format = ImageFormat::Jpeg;
    JpegOptions jpeg;           // quality, progressive
    int64_t train_limit = 0;    // first N training images (0 = all 60000)
    int64_t test_limit = 0;     // first N test images (0 = all 10000)
    int threads = 0;            // 0: one per core
    std::function<void(int64_t done, int64_t total)> progress;  // called from worker threads
};

struct ImageFolderWriteResult {
    int64_t files = 0;
    uint64_t bytes = 0;
    double seconds = 0;
};

// Throws DatasetError (bad options, missing dataset, folder not empty, a write that failed).
ImageFolderWriteResult write_image_folder(const ImageFolderWriteOptions& o);

// "0-t-shirt-top", "1-trouser", ...: the folder name of Fashion-MNIST class `label`.
std::string fashion_class_folder(int label);

}  // namespace batchscope::engine::data
