#pragma once
// Fashion-MNIST as a SampleSource: the gzipped IDX files are decompressed and validated once
// into a sample cache file (see cache_file.h), rewritten whenever it is missing, stale or
// corrupt, and then read sample by sample through the storage profile: from a memory map
// (page cache, emulated devices) or with O_DIRECT (cold).
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "batchscope/engine/data/cache_file.h"
#include "batchscope/engine/data/file_io.h"
#include "batchscope/engine/data/sample_source.h"
#include "batchscope/engine/data/storage.h"

namespace batchscope::engine::data {

struct FashionMnistOptions {
    std::string dir;          // folder of the four .gz files; empty: Debian's dataset-fashion-mnist
    std::string split = "train";  // "train" or "t10k"
    std::string cache_dir;    // empty: default_cache_dir()
    int64_t limit = 0;        // only the first N samples (0 = all)
};

// "T-shirt/top", "Trouser", ... in label order.
const std::array<const char*, 10>& fashion_mnist_class_names() noexcept;

class FashionMnistSource final : public SampleSource {
public:
    // Throws DatasetError naming the file when the dataset is missing or invalid, or the cache
    // cannot be written.
    FashionMnistSource(const FashionMnistOptions& o, std::shared_ptr<Storage> storage);

    std::string describe() const override;
    int64_t count() const noexcept override { return count_; }
    ImageShape shape() const noexcept override { return layout_.shape; }
    int classes() const noexcept override { return layout_.classes; }
    int label(int64_t i) const noexcept override { return labels_[static_cast<size_t>(i)]; }
    std::string class_name(int c) const override;
    void read(int64_t i, SampleBuffers& b) const override;
    bool encoded() const noexcept override { return false; }
    void prefetch(int64_t i) const noexcept override;
    void begin_epoch() override;

    const std::string& dir() const noexcept { return dir_; }
    const std::string& cache_path() const noexcept { return cache_path_; }
    // Why the cache was (re)written at open ("missing", "stale ...", ...); empty when it was valid.
    const std::string& rebuilt_because() const noexcept { return rebuilt_because_; }
    bool direct_io() const noexcept { return static_cast<bool>(direct_); }

private:
    std::shared_ptr<Storage> storage_;
    std::string dir_, split_, cache_path_, rebuilt_because_;
    CacheLayout layout_;
    std::vector<uint8_t> labels_;
    int64_t count_ = 0;
    std::unique_ptr<MappedFile> map_;
    FileHandle direct_;  // O_DIRECT descriptor; invalid where the file system refuses O_DIRECT
};

}  // namespace batchscope::engine::data
