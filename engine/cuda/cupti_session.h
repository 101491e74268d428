#pragma once
// One CUPTI activity session: owns the buffers, the ready list and the converter. CUPTI's
// static buffer callbacks reach it through the one trampoline pointer in cupti_session.cpp
// (CUPTI gives them no user data); nothing else is static.
//
// Threads: CUPTI calls request/complete on its own threads; complete only moves the buffer to
// the ready list under `ready_m_` (a short lock, no CUPTI call inside it). drain() runs on the
// caller's thread: it takes the ready list, walks the records and converts them there.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/profiler/clock_map.h"
#include "cupti_loader.h"
#include "cupti_records.h"

namespace batchscope::cuda {

class CuptiSession {
public:
    // Loads libcupti (the first time), probes the GPU, registers the callbacks and enables the
    // activity kinds. Returns null with the reason in `why` when CUPTI cannot start (libcupti
    // missing or unusable, no GPU, another profiler); at most one session exists at a time.
    static std::unique_ptr<CuptiSession> start(uint32_t flush_period_ms, std::string& why);
    ~CuptiSession();  // stop(): forced flush, disable, unregister
    CuptiSession(const CuptiSession&) = delete;
    CuptiSession& operator=(const CuptiSession&) = delete;

    int32_t flush(bool forced);
    int32_t push_external_id(int64_t id, uint8_t phase);
    int32_t pop_external_id();
    // Converts what CUPTI completed; copies up to `cap` records out.
    uint32_t drain(BsGpuActivity* out, uint32_t cap);
    uint32_t name(uint32_t name_id, char* out, uint32_t cap);
    void stats(BsCuptiStats& out);

    // The trampoline's targets (CUPTI's threads).
    void on_buffer_request(uint8_t** buffer, size_t* size, size_t* max_records);
    void on_buffer_complete(void* context, uint32_t stream_id, uint8_t* buffer, size_t size, size_t valid);

private:
    explicit CuptiSession(const CuptiFunctions& f);
    void sample_clock();
    void convert_ready(bool final);
    void stop();

    struct Ready {
        uint8_t* buffer;
        size_t valid;
    };

    const CuptiFunctions& f_;    // libcupti, opened at the first start() (cupti_loader.h)
    std::mutex ready_m_;         // guards ready_ only; never held across a CUPTI call
    std::vector<Ready> ready_;
    std::mutex drain_m_;         // one drain at a time (converter, queue, clock)
    CuptiRecordConverter converter_;
    profiler::ClockMap clock_;
    std::vector<BsGpuActivity> queue_;  // converted, not yet handed out (bounded)
    std::atomic<uint64_t> dropped_{0}, buffers_{0};
    uint64_t delivered_ = 0, queue_dropped_ = 0;
    bool stopped_ = false;
};

}  // namespace batchscope::cuda
