#include "cupti_records.h"

#include <cstring>

namespace batchscope::cuda {
namespace {

constexpr size_t kMaxExternalIds = 1u << 16;  // correlation ids remembered for the join

uint8_t copy_kind_of(uint8_t k) noexcept {
    switch (k) {
        case CUPTI_ACTIVITY_MEMCPY_KIND_HTOD:
        case CUPTI_ACTIVITY_MEMCPY_KIND_HTOA: return BS_GPU_COPY_HTOD;
        case CUPTI_ACTIVITY_MEMCPY_KIND_DTOH:
        case CUPTI_ACTIVITY_MEMCPY_KIND_ATOH: return BS_GPU_COPY_DTOH;
        case CUPTI_ACTIVITY_MEMCPY_KIND_DTOD:
        case CUPTI_ACTIVITY_MEMCPY_KIND_ATOA:
        case CUPTI_ACTIVITY_MEMCPY_KIND_ATOD:
        case CUPTI_ACTIVITY_MEMCPY_KIND_DTOA: return BS_GPU_COPY_DTOD;
        case CUPTI_ACTIVITY_MEMCPY_KIND_HTOH: return BS_GPU_COPY_HTOH;
        case CUPTI_ACTIVITY_MEMCPY_KIND_PTOP: return BS_GPU_COPY_PTOP;
        default: return BS_GPU_COPY_UNKNOWN;
    }
}

const char* sync_name(CUpti_ActivitySynchronizationType t) noexcept {
    switch (t) {
        case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_EVENT_SYNCHRONIZE: return "cudaEventSynchronize";
        case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_WAIT_EVENT: return "cudaStreamWaitEvent";
        case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE: return "cudaStreamSynchronize";
        case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_CONTEXT_SYNCHRONIZE: return "cudaDeviceSynchronize";
        default: return "synchronization";
    }
}

const char* overhead_name(CUpti_ActivityOverheadKind k) noexcept {
    switch (k) {
        case CUPTI_ACTIVITY_OVERHEAD_DRIVER_COMPILER: return "driver compiler";
        case CUPTI_ACTIVITY_OVERHEAD_CUPTI_BUFFER_FLUSH: return "CUPTI buffer flush";
        case CUPTI_ACTIVITY_OVERHEAD_CUPTI_INSTRUMENTATION: return "CUPTI instrumentation";
        case CUPTI_ACTIVITY_OVERHEAD_CUPTI_RESOURCE: return "CUPTI resource";
        case CUPTI_ACTIVITY_OVERHEAD_RUNTIME_TRIGGERED_MODULE_LOADING: return "module loading";
        case CUPTI_ACTIVITY_OVERHEAD_LAZY_FUNCTION_LOADING: return "lazy function loading";
        case CUPTI_ACTIVITY_OVERHEAD_COMMAND_BUFFER_FULL: return "command buffer full";
        case CUPTI_ACTIVITY_OVERHEAD_ACTIVITY_BUFFER_REQUEST: return "activity buffer request";
        default: return "CUPTI overhead";
    }
}

BsGpuActivity blank(uint8_t kind, uint32_t correlation) noexcept {
    BsGpuActivity a{};
    a.kind = kind;
    a.external_id = -1;
    a.correlation_id = correlation;
    a.phase = BS_GPU_ACTIVITY_NO_PHASE;
    return a;
}

}  // namespace

CuptiRecordConverter::CuptiRecordConverter(ApiNamer namer, int64_t join_wait_ns)
    : namer_(std::move(namer)), join_wait_ns_(join_wait_ns) {
    intern("");  // name id 0: no name
}

uint32_t CuptiRecordConverter::intern(std::string_view name) {
    if (auto it = name_ids_.find(std::string(name)); it != name_ids_.end()) return it->second;
    const auto id = static_cast<uint32_t>(names_.size());
    names_.emplace_back(name);
    name_ids_.emplace(names_.back(), id);
    return id;
}

std::string_view CuptiRecordConverter::name(uint32_t name_id) const noexcept {
    return name_id < names_.size() ? std::string_view(names_[name_id]) : std::string_view();
}

void CuptiRecordConverter::add(const CUpti_Activity* r, int64_t now) {
    ++records_;
    switch (r->kind) {
        case CUPTI_ACTIVITY_KIND_KERNEL:
        case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
            add_kernel(*reinterpret_cast<const CUpti_ActivityKernel10*>(r), now);
            break;
        case CUPTI_ACTIVITY_KIND_MEMCPY: add_memcpy(*reinterpret_cast<const CUpti_ActivityMemcpy6*>(r), now); break;
        case CUPTI_ACTIVITY_KIND_MEMSET: add_memset(*reinterpret_cast<const CUpti_ActivityMemset4*>(r), now); break;
        case CUPTI_ACTIVITY_KIND_RUNTIME:
        case CUPTI_ACTIVITY_KIND_DRIVER: add_api(*reinterpret_cast<const CUpti_ActivityAPI*>(r), now); break;
        case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION:
            add_sync(*reinterpret_cast<const CUpti_ActivitySynchronization2*>(r), now);
            break;
        case CUPTI_ACTIVITY_KIND_OVERHEAD: add_overhead(*reinterpret_cast<const CUpti_ActivityOverhead3*>(r), now); break;
        case CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION:
            add_external(*reinterpret_cast<const CUpti_ActivityExternalCorrelation*>(r));
            break;
        default: ++unknown_kinds_; break;
    }
}

void CuptiRecordConverter::push(BsGpuActivity a, uint64_t start, uint64_t end, int64_t now) {
    if (start == 0 || end < start) {  // CUPTI 13.0 with a timestamp callback gives zeros (CUDA_NOTES.md)
        ++bad_timestamps_;
        return;
    }
    pending_.push_back({a, start, end, now});
}

void CuptiRecordConverter::add_kernel(const CUpti_ActivityKernel10& k, int64_t now) {
    BsGpuActivity a = blank(BS_GPU_ACTIVITY_KERNEL, k.correlationId);
    a.stream_id = k.streamId;
    a.device_id = k.deviceId;
    a.name_id = intern(k.name ? std::string_view(k.name) : std::string_view("kernel"));
    push(a, k.start, k.end, now);
}

void CuptiRecordConverter::add_memcpy(const CUpti_ActivityMemcpy6& m, int64_t now) {
    BsGpuActivity a = blank(BS_GPU_ACTIVITY_MEMCPY, m.correlationId);
    a.stream_id = m.streamId;
    a.device_id = m.deviceId;
    a.bytes = m.bytes;
    a.copy_kind = copy_kind_of(m.copyKind);
    const uint8_t host_side = a.copy_kind == BS_GPU_COPY_DTOH ? m.dstKind : m.srcKind;
    if ((a.copy_kind == BS_GPU_COPY_HTOD || a.copy_kind == BS_GPU_COPY_DTOH) && host_side == CUPTI_ACTIVITY_MEMORY_KIND_PINNED)
        a.flags |= BS_GPU_ACTIVITY_FLAG_PINNED;
    if (m.flags & CUPTI_ACTIVITY_FLAG_MEMCPY_ASYNC) a.flags |= BS_GPU_ACTIVITY_FLAG_ASYNC;
    push(a, m.start, m.end, now);
}

void CuptiRecordConverter::add_memset(const CUpti_ActivityMemset4& m, int64_t now) {
    BsGpuActivity a = blank(BS_GPU_ACTIVITY_MEMSET, m.correlationId);
    a.stream_id = m.streamId;
    a.device_id = m.deviceId;
    a.bytes = m.bytes;
    push(a, m.start, m.end, now);
}

void CuptiRecordConverter::add_api(const CUpti_ActivityAPI& r, int64_t now) {
    // Driver API records (cuBLAS and cuDNN launch through the driver) carry the external ids of
    // the work they launch as runtime records do; they are shown as API records too.
    BsGpuActivity a = blank(BS_GPU_ACTIVITY_RUNTIME, r.correlationId);
    const bool driver = r.kind == CUPTI_ACTIVITY_KIND_DRIVER;
    const uint64_t key = (uint64_t{driver} << 32) | r.cbid;
    auto it = api_names_.find(key);
    if (it == api_names_.end()) {
        std::string n = namer_ ? namer_(driver, r.cbid) : std::string();
        if (n.empty()) n = (driver ? "driver API " : "runtime API ") + std::to_string(r.cbid);
        it = api_names_.emplace(key, intern(n)).first;
    }
    a.name_id = it->second;
    push(a, r.start, r.end, now);
}

void CuptiRecordConverter::add_sync(const CUpti_ActivitySynchronization2& s, int64_t now) {
    BsGpuActivity a = blank(BS_GPU_ACTIVITY_SYNCHRONIZATION, s.correlationId);
    a.stream_id = s.streamId;
    a.name_id = intern(sync_name(s.type));
    push(a, s.start, s.end, now);
}

void CuptiRecordConverter::add_overhead(const CUpti_ActivityOverhead3& o, int64_t now) {
    BsGpuActivity a = blank(BS_GPU_ACTIVITY_OVERHEAD, o.correlationId);
    a.name_id = intern(overhead_name(o.overheadKind));
    push(a, o.start, o.end, now);
}

void CuptiRecordConverter::add_external(const CUpti_ActivityExternalCorrelation& x) {
    if (x.externalKind != CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0) return;
    if (external_.insert_or_assign(x.correlationId, x.externalId).second) external_order_.push_back(x.correlationId);
    while (external_order_.size() > kMaxExternalIds) {
        external_.erase(external_order_.front());
        external_order_.pop_front();
    }
}

size_t CuptiRecordConverter::take(const profiler::ClockMap& clock, int64_t now, bool final,
                                  std::vector<BsGpuActivity>& out) {
    const size_t before = out.size();
    std::deque<Pending> keep;
    for (Pending& p : pending_) {
        const auto ext = p.a.correlation_id ? external_.find(p.a.correlation_id) : external_.end();
        const bool joined = ext != external_.end();
        // Correlation id 0 (overhead, some syncs) never gets an external id: no need to wait.
        if (!joined && !final && p.a.correlation_id != 0 && now - p.added_ns < join_wait_ns_) {
            keep.push_back(p);
            continue;
        }
        BsGpuActivity a = p.a;
        if (joined) {
            a.external_id = external_id_of(ext->second);
            a.phase = external_phase_of(ext->second);
            a.flags |= BS_GPU_ACTIVITY_FLAG_HAS_EXTERNAL;
        } else {
            ++unjoined_;
        }
        a.start_ns = clock.to_host(p.start_raw);
        a.end_ns = clock.to_host(p.end_raw);
        out.push_back(a);
    }
    pending_.swap(keep);
    return out.size() - before;
}

}  // namespace batchscope::cuda
