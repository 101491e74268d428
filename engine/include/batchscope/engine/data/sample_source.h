#pragma once
// Random access to a labelled image dataset, one sample at a time, into buffers the caller owns
// and reuses (no heap allocation per sample once they have grown to the largest sample).
// Reading a sample has two steps, timed separately by the loader: read() fetches its stored
// bytes through the storage profile, decode() turns them into pixels. Sources that store raw
// pixels read straight into the image and decode nothing. Both are const and may be called from
// several threads at once, each with its own SampleBuffers.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "batchscope/engine/data/file_io.h"
#include "batchscope/engine/data/image.h"
#include "batchscope/engine/data/sample_error.h"

namespace batchscope::engine::data {

// What to do with a sample that cannot be read or decoded.
enum class ErrorPolicy : uint8_t {
    Stop = 0,  // the loader hands the error to the trainer: the run fails, naming the file
    Skip,      // the sample is left out of its batch and counted
};
const char* to_string(ErrorPolicy p) noexcept;                            // "stop", "skip"
std::optional<ErrorPolicy> parse_error_policy(std::string_view s) noexcept;  // from those

// One reader's reusable buffers.
struct SampleBuffers {
    ByteBuffer encoded;            // the stored bytes (encoded formats)
    Image image;                   // the decoded sample
    AlignedBuffer direct;          // bounce buffer for reads that bypass the page cache
    const std::atomic<bool>* cancel = nullptr;  // ends emulated device waits early when true
};

class SampleSource {
public:
    virtual ~SampleSource() = default;

    virtual std::string describe() const = 0;  // e.g. "Fashion-MNIST train, 60000 samples (cache ...)"
    virtual int64_t count() const noexcept = 0;
    // The shape of a decoded sample. Image folders: of the first image; others may differ in
    // height and width, never in channels.
    virtual ImageShape shape() const noexcept = 0;
    virtual int classes() const noexcept = 0;
    virtual int label(int64_t i) const noexcept = 0;
    virtual std::string class_name(int c) const { return std::to_string(c); }

    // Fetches sample i's stored bytes into b.encoded (or, when stored raw, its pixels into
    // b.image). Throws SampleError naming the file.
    virtual void read(int64_t i, SampleBuffers& b) const = 0;
    // Decodes b.encoded into b.image. Throws SampleError naming the file.
    virtual void decode(int64_t i, SampleBuffers& b) const { (void)i, (void)b; }
    // Whether decode() does anything (the loader does not time it when not).
    virtual bool encoded() const noexcept { return true; }
    // A hint that sample i will be read next: memory-resident sources start fetching its bytes
    // into the CPU caches (random reads otherwise wait for DRAM and a page walk each).
    virtual void prefetch(int64_t i) const noexcept { (void)i; }
    // Called before each epoch and when the storage profile changes (cold reads drop cached
    // pages here where O_DIRECT is refused).
    virtual void begin_epoch() {}
};

}  // namespace batchscope::engine::data
