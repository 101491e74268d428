#include "cupti_session.h"

#include <cuda_runtime_api.h>
#include <cupti.h>

#include "cupti_loader.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "batchscope/profiler/clock.h"

namespace batchscope::cuda {
namespace {

constexpr size_t kBufferBytes = 8u << 20;        // CUPTI's recommended size range: 1-10 MiB
constexpr size_t kMaxQueuedRecords = 1u << 20;   // converted records waiting for drain()

// CUPTI writes an external-correlation record only beside an API record of an enabled kind: the
// runtime's for what the program launches, the driver's for what cuBLAS and cuDNN launch (through
// cuLaunchKernel / cuLaunchKernelEx). Without DRIVER their kernels would carry no iteration id.
constexpr std::array<CUpti_ActivityKind, 8> kKinds = {
    CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,
    CUPTI_ACTIVITY_KIND_MEMSET,            CUPTI_ACTIVITY_KIND_RUNTIME,
    CUPTI_ACTIVITY_KIND_DRIVER,            CUPTI_ACTIVITY_KIND_SYNCHRONIZATION,
    CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION, CUPTI_ACTIVITY_KIND_OVERHEAD};

// The trampoline: CUPTI's buffer callbacks carry no user data, so they find the one live
// session here. `g_in_callback` lets stop() wait until no callback still uses it.
std::atomic<CuptiSession*> g_session{nullptr};
std::atomic<int> g_in_callback{0};

void CUPTIAPI request_trampoline(uint8_t** buffer, size_t* size, size_t* max_records) {
    g_in_callback.fetch_add(1);
    if (CuptiSession* s = g_session.load()) s->on_buffer_request(buffer, size, max_records);
    else *buffer = nullptr, *size = 0, *max_records = 0;
    g_in_callback.fetch_sub(1);
}

void CUPTIAPI complete_trampoline(CUcontext ctx, uint32_t stream, uint8_t* buffer, size_t size, size_t valid) {
    g_in_callback.fetch_add(1);
    if (CuptiSession* s = g_session.load()) s->on_buffer_complete(ctx, stream, buffer, size, valid);
    else std::free(buffer);
    g_in_callback.fetch_sub(1);
}

std::string result_text(const CuptiFunctions& f, CUptiResult r) {
    const char* s = nullptr;
    if (f.get_result_string(r, &s) != CUPTI_SUCCESS || !s) s = "unknown CUPTI error";
    std::string out = std::string(s) + " (" + std::to_string(static_cast<int>(r)) + ")";
    switch (r) {
        case CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED:
            return out + ": another profiler (Nsight Systems, a PyTorch profiler, ...) is attached";
        case CUPTI_ERROR_INSUFFICIENT_PRIVILEGES:
        case CUPTI_ERROR_VIRTUALIZED_DEVICE_INSUFFICIENT_PRIVILEGES:
            return out + ": profiling is restricted to administrators (NVreg_RestrictProfilingToAdminUsers)";
        case CUPTI_ERROR_NOT_INITIALIZED:
        case CUPTI_ERROR_UNKNOWN: return out + ": no usable driver or device for CUPTI";
        default: return out;
    }
}

std::string api_name(bool driver, uint32_t cbid) {
    const CuptiFunctions* f = cupti_if_loaded();  // loaded: a session exists
    const char* name = nullptr;
    const CUpti_CallbackDomain domain = driver ? CUPTI_CB_DOMAIN_DRIVER_API : CUPTI_CB_DOMAIN_RUNTIME_API;
    if (!f || f->get_callback_name(domain, cbid, &name) != CUPTI_SUCCESS || !name) return {};
    return name;
}

}  // namespace

CuptiSession::CuptiSession(const CuptiFunctions& f) : f_(f), converter_(&api_name) {}

std::unique_ptr<CuptiSession> CuptiSession::start(uint32_t flush_period_ms, std::string& why) {
    // libcupti is opened now, the first time a collector is asked for (cupti_loader.h).
    const CuptiFunctions* f = cupti(why);
    if (!f) return nullptr;
    // CUPTI's activity calls fail with CUPTI_ERROR_UNKNOWN without a driver: probe first.
    int devices = 0;
    if (const cudaError_t err = cudaGetDeviceCount(&devices); err != cudaSuccess) {
        why = std::string("no usable GPU for CUPTI: ") + cudaGetErrorName(err) + ": " + cudaGetErrorString(err);
        return nullptr;
    }
    if (devices <= 0) {
        why = "no usable GPU for CUPTI: no CUDA device";
        return nullptr;
    }
    std::unique_ptr<CuptiSession> s(new CuptiSession(*f));
    CuptiSession* expected = nullptr;
    if (!g_session.compare_exchange_strong(expected, s.get())) {
        why = "a CUPTI session is already running in this process";
        return nullptr;
    }
    auto fail = [&](const char* call, CUptiResult r, size_t enabled) {
        for (size_t i = 0; i < enabled; ++i) f->activity_disable(kKinds[i]);
        g_session.store(nullptr);
        why = std::string("CUPTI could not start: ") + call + ": " + result_text(*f, r);
        return nullptr;
    };
    if (CUptiResult r = f->activity_register_callbacks(&request_trampoline, &complete_trampoline); r != CUPTI_SUCCESS)
        return fail("cuptiActivityRegisterCallbacks", r, 0);
    for (size_t i = 0; i < kKinds.size(); ++i) {
        if (CUptiResult r = f->activity_enable(kKinds[i]); r != CUPTI_SUCCESS) {
            const std::string call = "cuptiActivityEnable(kind " + std::to_string(static_cast<int>(kKinds[i])) + ")";
            return fail(call.c_str(), r, i);
        }
    }
    if (flush_period_ms > 0) {
        if (CUptiResult r = f->activity_flush_period(flush_period_ms); r != CUPTI_SUCCESS)
            return fail("cuptiActivityFlushPeriod", r, kKinds.size());
    }
    for (int i = 0; i < 5; ++i) s->sample_clock();
    return s;
}

CuptiSession::~CuptiSession() { stop(); }

void CuptiSession::stop() {
    if (stopped_ || g_session.load() != this) return;
    stopped_ = true;
    for (CUpti_ActivityKind k : kKinds) f_.activity_disable(k);
    f_.activity_flush_all(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);  // no lock held: complete() takes ready_m_
    g_session.store(nullptr);
    while (g_in_callback.load() != 0) std::this_thread::yield();
    std::lock_guard lock(ready_m_);
    for (const Ready& r : ready_) std::free(r.buffer);
    ready_.clear();
}

void CuptiSession::on_buffer_request(uint8_t** buffer, size_t* size, size_t* max_records) {
    *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, kBufferBytes));
    *size = *buffer ? kBufferBytes : 0;
    *max_records = 0;  // as many as fit
}

void CuptiSession::on_buffer_complete(void* context, uint32_t stream_id, uint8_t* buffer, size_t, size_t valid) {
    size_t dropped = 0;  // a CUPTI call: made before taking the lock
    if (f_.activity_get_num_dropped_records(static_cast<CUcontext>(context), stream_id, &dropped) == CUPTI_SUCCESS)
        dropped_.fetch_add(dropped, std::memory_order_relaxed);
    buffers_.fetch_add(1, std::memory_order_relaxed);
    if (!buffer) return;
    if (valid == 0) {
        std::free(buffer);
        return;
    }
    std::lock_guard lock(ready_m_);
    ready_.push_back({buffer, valid});
}

void CuptiSession::sample_clock() {
    uint64_t gpu = 0;
    const int64_t before = profiler::now_ns();
    if (f_.get_timestamp(&gpu) != CUPTI_SUCCESS) return;
    clock_.add_bracketed(before, gpu, profiler::now_ns());
}

void CuptiSession::convert_ready(bool final) {
    std::vector<Ready> ready;
    {
        std::lock_guard lock(ready_m_);
        ready.swap(ready_);
    }
    sample_clock();
    const int64_t now = profiler::now_ns();
    for (const Ready& r : ready) {
        CUpti_Activity* record = nullptr;
        while (f_.activity_get_next_record(r.buffer, r.valid, &record) == CUPTI_SUCCESS) converter_.add(record, now);
        std::free(r.buffer);
    }
    converter_.take(clock_, now, final, queue_);
    if (queue_.size() > kMaxQueuedRecords) {  // nobody drains: keep the newest
        const size_t excess = queue_.size() - kMaxQueuedRecords;
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(excess));
        queue_dropped_ += excess;
    }
}

int32_t CuptiSession::flush(bool forced) {
    const CUptiResult r = f_.activity_flush_all(forced ? CUPTI_ACTIVITY_FLAG_FLUSH_FORCED : 0);
    if (forced) {  // everything CUPTI had is in the ready list now: convert it all, joined or not
        std::lock_guard lock(drain_m_);
        convert_ready(true);
    }
    return static_cast<int32_t>(r);
}

int32_t CuptiSession::push_external_id(int64_t id, uint8_t phase) {
    if (id < 0) return static_cast<int32_t>(CUPTI_ERROR_INVALID_PARAMETER);
    return static_cast<int32_t>(
        f_.activity_push_external_correlation_id(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, encode_external_id(id, phase)));
}

int32_t CuptiSession::pop_external_id() {
    uint64_t last = 0;
    return static_cast<int32_t>(f_.activity_pop_external_correlation_id(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, &last));
}

uint32_t CuptiSession::drain(BsGpuActivity* out, uint32_t cap) {
    std::lock_guard lock(drain_m_);
    convert_ready(false);
    const size_t n = std::min<size_t>(cap, queue_.size());
    if (n) std::memcpy(out, queue_.data(), n * sizeof(BsGpuActivity));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    delivered_ += n;
    return static_cast<uint32_t>(n);
}

uint32_t CuptiSession::name(uint32_t name_id, char* out, uint32_t cap) {
    std::lock_guard lock(drain_m_);
    const std::string_view n = converter_.name(name_id);
    if (out && cap) {
        const size_t k = std::min<size_t>(n.size(), cap - 1);
        std::memcpy(out, n.data(), k);
        out[k] = '\0';
    }
    return static_cast<uint32_t>(n.size());
}

void CuptiSession::stats(BsCuptiStats& out) {
    std::lock_guard lock(drain_m_);
    BsCuptiStats full{};
    full.struct_size = sizeof full;
    full.records = converter_.records();
    full.dropped = dropped_.load(std::memory_order_relaxed);
    full.buffers = buffers_.load(std::memory_order_relaxed);
    full.delivered = delivered_;
    full.queue_dropped = queue_dropped_;
    full.unjoined = converter_.unjoined();
    full.bad_timestamps = converter_.bad_timestamps();
    full.clock_samples = clock_.samples();
    full.clock_slope = clock_.slope();
    full.clock_offset_ns = clock_.first_offset_ns();
    const uint32_t size = std::min<uint32_t>(out.struct_size, sizeof full);
    std::memcpy(&out, &full, size);
    out.struct_size = size;
}

}  // namespace batchscope::cuda
