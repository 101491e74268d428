#pragma once
// The fake plugin's CUPTI collector (BsCuptiCollectorApi) for host-side tests: EMULATED, for
// checking how the core tags, drains and uses GPU activity records without a GPU or CUPTI.
// Every emulated kernel, copy and fill of the fake compute table becomes one record, stamped on
// a fake GPU clock (the host's steady clock shifted by kGpuClockOffset, as CUPTI's clock is
// another clock) around the host loop that emulated it, joined with the id and phase pushed on
// the calling thread, and mapped back to the host clock when drained.
// Environment, read when the core starts a session:
//   BS_FAKE_CUPTI=refuse            start() fails with CUPTI's "another profiler is attached"
//   BS_FAKE_CUPTI_LAG_MS=N          records are handed out once N ms old (CUPTI's flush delay);
//                                   a forced flush hands out everything
//   BS_FAKE_CUPTI_DROP_EVERY=N      every Nth record is lost and counted as dropped
//   BS_FAKE_CUPTI_KINDS=runtime     the API kinds whose records carry the external ids (default
//                                   "runtime,driver", as the plugin's session enables): like CUPTI,
//                                   work launched through a kind not enabled gets no id. The
//                                   emulated GEMM (cuBLAS-like) launches through the driver.
// The tag is taken when the work is queued (CUPTI correlates the API call), and the record is
// written when the work has run (in strict mode, on the stream's thread).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "batchscope/engine/gpu_plugin_abi.h"

struct BsCuptiSession {
    std::mutex m;
    std::vector<BsGpuActivity> queue;  // start_ns/end_ns on the fake GPU clock until drained
    std::vector<std::string> names{""};
    std::map<std::string, uint32_t, std::less<>> name_ids;
    uint64_t records = 0, dropped = 0, delivered = 0, unjoined = 0, seen = 0;
    int64_t lag_ns = 0, flushed_upto = 0;
    uint64_t drop_every = 0;
    uint32_t correlation = 0;
    bool runtime_ids = true, driver_ids = true;  // BS_FAKE_CUPTI_KINDS
};

namespace fake_cupti {

constexpr int64_t kGpuClockOffset = 1'000'000'000'000;  // fake GPU clock = host + 1000 s

inline int64_t host_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
inline int64_t gpu_ns() { return host_ns() + kGpuClockOffset; }

inline std::atomic<BsCuptiSession*> g_session{nullptr};
inline thread_local std::vector<std::pair<int64_t, uint8_t>> t_tags;  // pushed ids, innermost last

inline void copy_text(char* out, uint32_t cap, std::string_view s) {
    if (!out || cap == 0) return;
    const size_t n = std::min<size_t>(s.size(), cap - 1);
    std::memcpy(out, s.data(), n);
    out[n] = '\0';
}

// The external id (and phase) CUPTI would correlate with work launched now on this thread
// through the runtime or (`driver`) the driver API: none outside a push, or when that API kind
// is not enabled.
struct Tag {
    int64_t id = -1;
    uint8_t phase = BS_GPU_ACTIVITY_NO_PHASE;
};
inline Tag current_tag(bool driver) {
    BsCuptiSession* s = g_session.load();
    if (t_tags.empty() || !s || !(driver ? s->driver_ids : s->runtime_ids)) return {};
    return {t_tags.back().first, t_tags.back().second};
}

// One finished piece of emulated GPU work, [start, end) on the fake GPU clock.
inline void record(uint8_t kind, uint8_t copy_kind, std::string_view name, uint64_t bytes, uint32_t stream,
                   bool pinned, int64_t start, int64_t end, Tag tag) {
    BsCuptiSession* s = g_session.load();
    if (!s) return;
    std::lock_guard lock(s->m);
    ++s->seen;
    if (s->drop_every && s->seen % s->drop_every == 0) {  // CUPTI's buffer was full
        ++s->dropped;
        return;
    }
    ++s->records;
    BsGpuActivity a{};
    a.start_ns = start;
    a.end_ns = std::max(end, start + 1);
    a.bytes = bytes;
    a.correlation_id = ++s->correlation;
    a.stream_id = stream;
    a.kind = kind;
    a.copy_kind = copy_kind;
    a.flags = pinned ? uint8_t{BS_GPU_ACTIVITY_FLAG_PINNED | BS_GPU_ACTIVITY_FLAG_ASYNC} : uint8_t{0};
    if (tag.id >= 0) {
        a.external_id = tag.id;
        a.phase = tag.phase;
        a.flags = static_cast<uint8_t>(a.flags | BS_GPU_ACTIVITY_FLAG_HAS_EXTERNAL);
    } else {
        a.external_id = -1;
        a.phase = BS_GPU_ACTIVITY_NO_PHASE;
        ++s->unjoined;
    }
    auto it = s->name_ids.find(name);
    if (it == s->name_ids.end()) {
        it = s->name_ids.emplace(std::string(name), static_cast<uint32_t>(s->names.size())).first;
        s->names.emplace_back(name);
    }
    a.name_id = it->second;
    s->queue.push_back(a);
}

inline BsCuptiSession* start(uint32_t, char* why, uint32_t cap) {
    const char* mode = std::getenv("BS_FAKE_CUPTI");
    if (mode && std::string_view(mode) == "refuse") {
        copy_text(why, cap,
                  "CUPTI could not start: cuptiActivityEnable(kind 10): CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED "
                  "(39): another profiler (Nsight Systems, a PyTorch profiler, ...) is attached (fake CUPTI)");
        return nullptr;
    }
    auto* s = new BsCuptiSession;
    if (const char* lag = std::getenv("BS_FAKE_CUPTI_LAG_MS")) s->lag_ns = std::strtoll(lag, nullptr, 10) * 1'000'000;
    if (const char* d = std::getenv("BS_FAKE_CUPTI_DROP_EVERY")) s->drop_every = std::strtoull(d, nullptr, 10);
    if (const char* k = std::getenv("BS_FAKE_CUPTI_KINDS")) {
        const std::string_view kinds(k);
        s->runtime_ids = kinds.find("runtime") != std::string_view::npos;
        s->driver_ids = kinds.find("driver") != std::string_view::npos;
    }
    BsCuptiSession* expected = nullptr;
    if (!g_session.compare_exchange_strong(expected, s)) {
        delete s;
        copy_text(why, cap, "a CUPTI session is already running in this process (fake CUPTI)");
        return nullptr;
    }
    return s;
}

inline void stop(BsCuptiSession* s) {
    BsCuptiSession* expected = s;
    g_session.compare_exchange_strong(expected, nullptr);
    delete s;
}

inline int32_t flush(BsCuptiSession* s, int32_t forced) {
    std::lock_guard lock(s->m);
    if (forced) s->flushed_upto = gpu_ns();
    return 0;
}

inline int32_t push(BsCuptiSession*, int64_t id, uint8_t phase) {
    if (id < 0) return 1;  // CUPTI_ERROR_INVALID_PARAMETER
    t_tags.emplace_back(id, phase);
    return 0;
}

inline int32_t pop(BsCuptiSession*) {
    if (t_tags.empty()) return 1;
    t_tags.pop_back();
    return 0;
}

// Hands out the records old enough (or flushed), oldest first, mapped onto the host clock.
inline uint32_t drain(BsCuptiSession* s, BsGpuActivity* out, uint32_t cap) {
    std::lock_guard lock(s->m);
    const int64_t ready_before = std::max(gpu_ns() - s->lag_ns, s->flushed_upto + 1);
    size_t n = 0;
    while (n < s->queue.size() && n < cap && s->queue[n].end_ns < ready_before) {
        out[n] = s->queue[n];
        out[n].start_ns -= kGpuClockOffset;
        out[n].end_ns -= kGpuClockOffset;
        ++n;
    }
    s->queue.erase(s->queue.begin(), s->queue.begin() + static_cast<std::ptrdiff_t>(n));
    s->delivered += n;
    return static_cast<uint32_t>(n);
}

inline uint32_t name(BsCuptiSession* s, uint32_t id, char* out, uint32_t cap) {
    std::lock_guard lock(s->m);
    const std::string_view n = id < s->names.size() ? std::string_view(s->names[id]) : std::string_view();
    copy_text(out, cap, n);
    return static_cast<uint32_t>(n.size());
}

inline void stats(BsCuptiSession* s, BsCuptiStats* out) {
    std::lock_guard lock(s->m);
    BsCuptiStats full{};
    full.struct_size = sizeof full;
    full.records = s->records;
    full.dropped = s->dropped;
    full.buffers = s->delivered ? 1 : 0;
    full.delivered = s->delivered;
    full.unjoined = s->unjoined;
    full.clock_samples = 1;
    full.clock_slope = 1.0;
    full.clock_offset_ns = -kGpuClockOffset;
    const uint32_t size = std::min<uint32_t>(out->struct_size, sizeof full);
    std::memcpy(out, &full, size);
    out->struct_size = size;
}

inline const BsCuptiCollectorApi* table() {
    static const BsCuptiCollectorApi t{sizeof(BsCuptiCollectorApi), &start, &stop, &flush, &push, &pop,
                                       &drain, &name, &stats};
    return &t;
}

}  // namespace fake_cupti
