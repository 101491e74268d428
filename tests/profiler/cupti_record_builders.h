#pragma once
// Hand-built CUPTI 13 activity records and buffers for the converter tests.
#include <cupti_activity.h>

#include <cstring>
#include <vector>

#include "cupti_records.h"

namespace batchscope::cuda::test {

using profiler::ClockMap;

inline constexpr uint8_t kCompute = 2, kH2D = 1;  // profiler::Phase values
inline constexpr int64_t kGpuToHost = -1'000'000;  // host = CUPTI clock - 1 ms in these tests

// A CUPTI buffer: records back to back, 8-byte aligned, as CUPTI lays them out.
class Buffer {
public:
    template <class R>
    void add(const R& r) {
        const size_t at = bytes_.size();
        bytes_.resize(at + ((sizeof(R) + 7) & ~size_t{7}));
        std::memcpy(bytes_.data() + at, &r, sizeof(R));
        offsets_.push_back(at);
    }
    // Hands every record to the converter in order, then scribbles over the buffer.
    void feed(CuptiRecordConverter& c, int64_t now) {
        for (size_t off : offsets_) c.add(reinterpret_cast<const CUpti_Activity*>(bytes_.data() + off), now);
        std::memset(bytes_.data(), 0xa5, bytes_.size());
    }

private:
    struct Bytes {  // 8-byte aligned storage
        std::vector<uint64_t> words;
        size_t n = 0;
        size_t size() const { return n; }
        void resize(size_t k) {
            words.resize((k + 7) / 8);
            n = k;
        }
        uint8_t* data() { return reinterpret_cast<uint8_t*>(words.data()); }
    } bytes_;
    std::vector<size_t> offsets_;
};

inline CUpti_ActivityKernel10 kernel(uint32_t corr, uint64_t s, uint64_t e, const char* name, uint32_t stream = 7) {
    CUpti_ActivityKernel10 k{};
    k.kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
    k.correlationId = corr;
    k.start = s;
    k.end = e;
    k.name = name;
    k.streamId = stream;
    k.deviceId = 0;
    return k;
}

inline CUpti_ActivityMemcpy6 memcpy_rec(uint32_t corr, CUpti_ActivityMemcpyKind kind, CUpti_ActivityMemoryKind src,
                                 CUpti_ActivityMemoryKind dst, uint64_t bytes, bool async = true) {
    CUpti_ActivityMemcpy6 m{};
    m.kind = CUPTI_ACTIVITY_KIND_MEMCPY;
    m.copyKind = static_cast<uint8_t>(kind);
    m.srcKind = static_cast<uint8_t>(src);
    m.dstKind = static_cast<uint8_t>(dst);
    m.flags = async ? CUPTI_ACTIVITY_FLAG_MEMCPY_ASYNC : 0;
    m.bytes = bytes;
    m.start = 5'000'000;
    m.end = 5'100'000;
    m.streamId = 9;
    m.correlationId = corr;
    return m;
}

inline CUpti_ActivityExternalCorrelation external(uint32_t corr, int64_t id, uint8_t phase) {
    CUpti_ActivityExternalCorrelation x{};
    x.kind = CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION;
    x.externalKind = CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0;
    x.externalId = encode_external_id(id, phase);
    x.correlationId = corr;
    return x;
}

inline ClockMap offset_clock() {
    ClockMap m;
    m.add_sample(10'000'000, 10'000'000 + kGpuToHost);
    return m;
}


}  // namespace batchscope::cuda::test
