#pragma once
// A SampleSource over an ImageDataset held in memory (grey 8-bit images). Reads are memory
// copies; an emulated storage profile, when given, still charges each read.
#include <cstring>
#include <memory>

#include "batchscope/engine/data/sample_source.h"
#include "batchscope/engine/data/storage.h"
#include "batchscope/engine/image_dataset.h"
#include "batchscope/profiler/clock.h"

namespace batchscope::engine::data {

class MemorySource final : public SampleSource {
public:
    explicit MemorySource(ImageDataset d, std::shared_ptr<Storage> storage = nullptr)
        : d_(std::move(d)), storage_(std::move(storage)) {}

    std::string describe() const override { return d_.name + ", " + std::to_string(d_.count) + " samples in memory"; }
    int64_t count() const noexcept override { return d_.count; }
    ImageShape shape() const noexcept override { return {d_.rows, d_.cols, 1}; }
    int classes() const noexcept override { return d_.classes; }
    int label(int64_t i) const noexcept override { return d_.labels[static_cast<size_t>(i)]; }
    void read(int64_t i, SampleBuffers& b) const override {
        const int64_t t0 = storage_ && storage_->emulated() ? profiler::now_ns() : 0;
        b.image.reshape(shape());
        std::memcpy(b.image.data(), d_.image(i), static_cast<size_t>(d_.features()));
        if (t0)
            storage_->charge(t0, 0, static_cast<uint64_t>(i * d_.features()), static_cast<uint64_t>(d_.features()),
                             b.cancel);
    }
    bool encoded() const noexcept override { return false; }
    const ImageDataset& dataset() const noexcept { return d_; }

private:
    ImageDataset d_;
    std::shared_ptr<Storage> storage_;
};

}  // namespace batchscope::engine::data
