// A GPU plugin without CUDA for the host-side tests of GpuBackend: its "device" memory is host
// memory (so copies can be checked), with a byte budget for out-of-memory. Behaviour from the
// environment, read on every call: BS_FAKE_COMPUTE = ok | emulate | no_table | old_table |
// short_table | create_fails; BS_FAKE_DEVICE_BYTES = the device budget (default 1 MiB);
// BS_FAKE_EVENT_CLOCK = host (events note the host clock; see event_record).
// In `ok` the compute functions answer BS_GPU_ERR_UNSUPPORTED. In `emulate` they run on the host
// (fake_compute_kernels.h, plain loops over elementwise_math.h): EMULATED, for checking the calls
// GpuMlp makes (GEMM shapes, strides, order) without a GPU, never for timing.
// BS_FAKE_CUPTI (any value) gives the plugin a fake CUPTI collector (fake_cupti.h) that records
// the copies, fills and emulated kernels; unset, the plugin has none. CUDA graphs are emulated
// (fake_graph.h: captured calls recorded, replayed at launch; BS_FAKE_GRAPH for its failures).
// BS_FAKE_OP_LOG=<file> appends one line per copy, emulated kernel, stream wait and
// synchronisation, in call order: "<op> <stream> <id> <phase> <bytes> <host>" (stream: compute,
// copy or -; id and phase: the CUPTI tag pushed on the calling thread, -1 and 255 when none;
// bytes: a copy's size, else 0; host: a copy's host side, pinned or pageable, else -), for tests
// of the order in which the core queues work (pipelined training) and of what its copies move.
// BS_FAKE_STRICT_COPY_US: see slow_copy_us. BS_FAKE_PINNED_BYTES: see host_alloc.
// BS_FAKE_STRICT=<seed> (read when a context is created): the strict mode of fake_strict.h, the
// streams run asynchronously on threads of their own. In every mode, copies, fills and kernels
// check that their device pointers lie inside a device allocation, each operand's whole extent
// (a kernel's from its sizes: fake_kernel_ranges.h), and refuse the sizes the real plugin refuses.
#include "batchscope/engine/gpu_plugin_abi.h"
#include "fake_compute_kernels.h"
#include "fake_cupti.h"
#include "fake_graph.h"
#include "fake_device_checks.h"
#include "fake_kernel_ranges.h"
#include "fake_strict.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>
#include <type_traits>

struct BsGpuContext {
    // host_alloc/host_free may come from any thread (the ABI says so): host_m guards `host`,
    // error_m the message.
    std::mutex error_m, host_m;
    std::string error;
    std::map<void*, size_t> device, host;
    uint64_t budget = 0, used = 0, peak = 0, mallocs = 0;
    fake_graph::Capture capture;
    std::unique_ptr<fake_strict::Streams> strict;  // BS_FAKE_STRICT: asynchronous streams
    // Strict: destroyed events, freed with the context (queued work may still refer to them, as
    // CUDA lets an event be destroyed before its work completes).
    std::vector<std::unique_ptr<fake_strict::Event>> dead_events;
};

namespace {

std::string_view mode() {
    const char* m = std::getenv("BS_FAKE_COMPUTE");
    return m ? m : "ok";
}

int32_t fail(BsGpuContext* c, int32_t st, std::string msg) {
    const std::lock_guard lock(c->error_m);
    c->error = std::move(msg);
    return st;
}

int32_t create(const BsGpuComputeOptions* o, BsGpuContext** out, char* why, uint32_t cap) {
    *out = nullptr;
    if (mode() == "create_fails" || o->device != 0) {
        std::strncpy(why, "fake: cudaSetDevice failed: cudaErrorInvalidDevice (invalid device ordinal)", cap - 1);
        why[cap - 1] = '\0';
        return BS_GPU_ERR_CUDA;
    }
    auto* c = new BsGpuContext;
    const char* b = std::getenv("BS_FAKE_DEVICE_BYTES");
    c->budget = b ? std::strtoull(b, nullptr, 10) : (1u << 20);
    if (const char* seed = std::getenv("BS_FAKE_STRICT"); seed && *seed)
        c->strict = std::make_unique<fake_strict::Streams>(std::strtoull(seed, nullptr, 10));
    *out = c;
    return BS_GPU_OK;
}

void destroy(BsGpuContext* c) {
    c->strict.reset();  // runs what is queued, then stops the streams
    for (auto& [p, n] : c->device) std::free(p);
    for (auto& [p, n] : c->host) std::free(p);
    delete c;
}

uint32_t last_error(BsGpuContext* c, char* out, uint32_t cap) {
    const std::lock_guard lock(c->error_m);
    if (out && cap) {
        const size_t n = std::min<size_t>(c->error.size(), cap - 1);
        std::memcpy(out, c->error.data(), n);
        out[n] = '\0';
    }
    return static_cast<uint32_t>(c->error.size());
}

int32_t set_tf32(BsGpuContext*, int32_t) { return BS_GPU_OK; }

int32_t device_alloc(BsGpuContext* c, uint64_t bytes, void** out) {
    if (c->used + bytes > c->budget)
        return fail(c, BS_GPU_ERR_OUT_OF_MEMORY,
                    "out of GPU memory: asked for " + std::to_string(bytes) + " bytes, " +
                        std::to_string(c->budget - c->used) + " left (fake)");
    *out = std::malloc(bytes ? bytes : 1);
    c->device[*out] = bytes;
    c->used += bytes;
    c->peak = std::max(c->peak, c->used);
    ++c->mallocs;
    return BS_GPU_OK;
}

int32_t device_free(BsGpuContext* c, void* p) {
    const auto it = c->device.find(p);
    if (it == c->device.end()) return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, "device_free: unknown pointer");
    // The plugin's pool hands a freed block out again at once, for work on the compute stream (which
    // stream order protects): a block the copy stream still uses is a race.
    if (c->strict && c->strict->in_use(BS_GPU_STREAM_COPY, p, it->second)) {
        c->strict->set_violation("device memory freed while the copy stream still uses it");
        c->strict->synchronize_all();  // said; the fake itself must not write into freed memory
    }
    c->used -= it->second;
    c->device.erase(it);
    // Strict: the memory itself goes once the compute stream's queued work is done with it.
    if (c->strict) c->strict->submit(BS_GPU_STREAM_COMPUTE, {}, [p] { std::free(p); });
    else std::free(p);
    return BS_GPU_OK;
}

// BS_FAKE_PINNED_BYTES=<n>: page-locked host memory runs out beyond n bytes (as cudaHostAlloc fails).
int32_t host_alloc(BsGpuContext* c, uint64_t bytes, void** out) {
    *out = nullptr;
    const char* budget = std::getenv("BS_FAKE_PINNED_BYTES");
    std::unique_lock lock(c->host_m);
    uint64_t held = 0;
    for (auto& [p, n] : c->host) held += n;
    if (budget && held + bytes > std::strtoull(budget, nullptr, 10)) {
        lock.unlock();
        return fail(c, BS_GPU_ERR_OUT_OF_MEMORY,
                    "out of page-locked host memory: cudaHostAlloc of " + std::to_string(bytes) + " bytes failed (fake: " +
                        std::to_string(held) + " bytes already page-locked, budget " + budget + ")");
    }
    *out = std::malloc(bytes ? bytes : 1);
    c->host[*out] = bytes;
    return BS_GPU_OK;
}

int32_t host_free(BsGpuContext* c, void* p) {
    {
        const std::lock_guard lock(c->host_m);
        if (!c->host.count(p)) return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, "host_free: unknown pointer");
    }
    if (c->strict) c->strict->synchronize_all();  // cudaFreeHost waits for the device, as CUDA does
    {
        const std::lock_guard lock(c->host_m);
        c->host.erase(p);
    }
    std::free(p);
    return BS_GPU_OK;
}

int32_t release_cached(BsGpuContext*) { return BS_GPU_OK; }

int32_t memory_stats(BsGpuContext* c, BsGpuMemoryStats* out) {
    BsGpuMemoryStats s{};
    s.struct_size = sizeof s;
    s.pool_reserved_bytes = s.pool_in_use_bytes = c->used;
    s.pool_peak_in_use_bytes = c->peak;
    s.pool_device_mallocs = c->mallocs;
    {
        const std::lock_guard lock(c->host_m);
        for (auto& [p, n] : c->host) s.pinned_bytes += n;
    }
    s.device_total_bytes = c->budget;
    s.device_free_bytes = c->budget - c->used;
    const uint32_t n = std::min<uint32_t>(out->struct_size, sizeof s);
    std::memcpy(out, &s, n);
    return BS_GPU_OK;
}

// True when p lies in one of the context's page-locked host allocations.
bool pinned_host(BsGpuContext* c, const void* p) {
    const std::lock_guard lock(c->host_m);
    auto it = c->host.upper_bound(const_cast<void*>(p));
    if (it == c->host.begin()) return false;
    --it;
    return static_cast<const char*>(p) < static_cast<const char*>(it->first) + std::max<size_t>(it->second, 1);
}

// A sticky violation of the strict mode: every call fails with it.
std::string strict_violation(BsGpuContext* c) { return c->strict ? c->strict->violation() : std::string(); }

// The op log (BS_FAKE_OP_LOG): reopened when the variable names another file.
void op_log(const char* op, int32_t stream, uint64_t bytes = 0, const char* host = "-") {
    static std::string path;
    static FILE* f = nullptr;
    const char* want = std::getenv("BS_FAKE_OP_LOG");
    if (!want || !*want) return;
    if (path != want) {
        if (f) std::fclose(f);
        path = want;
        f = std::fopen(want, "a");
    }
    if (!f) return;
    const bool tagged = !fake_cupti::t_tags.empty();
    const char* s = stream == BS_GPU_STREAM_COMPUTE ? "compute" : stream == BS_GPU_STREAM_COPY ? "copy" : "-";
    std::fprintf(f, "%s %s %lld %u %llu %s\n", op, s,
                 static_cast<long long>(tagged ? fake_cupti::t_tags.back().first : -1),
                 static_cast<unsigned>(tagged ? fake_cupti::t_tags.back().second : 255u),
                 static_cast<unsigned long long>(bytes), host);
    std::fflush(f);
}

// Strict: BS_FAKE_STRICT_COPY_US=<n> makes each upload from page-locked memory on the copy stream
// take n µs more (a bus slower than the compute: the next batch's upload is then still running when
// the host goes on to the batch after it, as on a GPU whose step is shorter than the upload).
int64_t slow_copy_us(int32_t stream) {
    const char* v = std::getenv("BS_FAKE_STRICT_COPY_US");
    return stream == BS_GPU_STREAM_COPY && v ? std::strtoll(v, nullptr, 10) : 0;
}

// The fake CUPTI's stream ids: non-zero, like CUDA's.
uint32_t stream_id(int32_t stream) { return static_cast<uint32_t>(stream) + 13u; }

int32_t copy(BsGpuContext* c, void* dst, const void* src, uint64_t bytes, int32_t stream, uint8_t kind) {
    if (stream != BS_GPU_STREAM_COMPUTE && stream != BS_GPU_STREAM_COPY)
        return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, "unknown stream " + std::to_string(stream));
    if (std::string v = strict_violation(c); !v.empty()) return fail(c, BS_GPU_ERR_CUDA, v);
    const bool up = kind == BS_GPU_COPY_HTOD;
    const std::string range = fake_checks::device_range_error(c->device, up ? dst : src, bytes, up ? "copy_h2d" : "copy_d2h");
    if (!range.empty()) return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, range);
    const bool pinned = pinned_host(c, up ? src : dst);
    op_log(up ? "h2d" : "d2h", stream, bytes, pinned ? "pinned" : "pageable");
    const fake_cupti::Tag tag = fake_cupti::current_tag(false);
    auto run = [=] {
        const int64_t t0 = fake_cupti::gpu_ns();
        std::memcpy(dst, src, bytes);
        fake_cupti::record(BS_GPU_ACTIVITY_MEMCPY, kind, "", bytes, stream_id(stream), pinned, t0, fake_cupti::gpu_ns(), tag);
    };
    if (!c->strict) {
        run();
        return BS_GPU_OK;
    }
    const char* d = static_cast<const char*>(up ? dst : src);
    std::vector<fake_strict::Range> uses{{d, d + bytes}};
    if (up && pinned) {  // read when the copy runs: the host must leave it alone until then
        const uint64_t sum = fake_checks::checksum(src, bytes);
        fake_strict::Streams* st = c->strict.get();
        const int64_t slow_us = slow_copy_us(stream);
        c->strict->submit(stream, std::move(uses), [=] {
            if (slow_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(slow_us));
            if (fake_checks::checksum(src, bytes) != sum)
                st->set_violation("page-locked host memory changed before the upload that reads it ran "
                                  "(a host buffer reused before its copy finished)");
            run();
        });
    } else if (up) {  // pageable: CUDA copies it into a staging buffer before returning
        auto staged = std::make_shared<std::vector<char>>(static_cast<const char*>(src), static_cast<const char*>(src) + bytes);
        c->strict->submit(stream, std::move(uses), [=] {
            const int64_t t0 = fake_cupti::gpu_ns();
            std::memcpy(dst, staged->data(), bytes);
            fake_cupti::record(BS_GPU_ACTIVITY_MEMCPY, kind, "", bytes, stream_id(stream), false, t0, fake_cupti::gpu_ns(), tag);
        });
    } else if (pinned) {  // read before it completes: NaN, not the old (plausible) values
        const float nan = std::numeric_limits<float>::quiet_NaN();
        for (uint64_t i = 0; i + sizeof(float) <= bytes; i += sizeof(float)) std::memcpy(static_cast<char*>(dst) + i, &nan, sizeof nan);
        c->strict->submit(stream, std::move(uses), run);
    } else {  // pageable: CUDA returns once the copy is done
        c->strict->submit(stream, std::move(uses), run);
        c->strict->synchronize(stream);
    }
    return BS_GPU_OK;
}
int32_t copy_h2d(BsGpuContext* c, void* dst, const void* src, uint64_t bytes, int32_t stream) {
    return copy(c, dst, src, bytes, stream, BS_GPU_COPY_HTOD);
}
int32_t copy_d2h(BsGpuContext* c, void* dst, const void* src, uint64_t bytes, int32_t stream) {
    return copy(c, dst, src, bytes, stream, BS_GPU_COPY_DTOH);
}

int32_t fill(BsGpuContext* c, float* dst, uint64_t n, float v, int32_t stream) {
    if (std::string e = strict_violation(c); !e.empty()) return fail(c, BS_GPU_ERR_CUDA, e);
    if (std::string e = fake_checks::device_range_error(c->device, dst, n * sizeof(float), "fill"); !e.empty())
        return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, e);
    const fake_cupti::Tag tag = fake_cupti::current_tag(false);
    auto run = [=] {
        const int64_t t0 = fake_cupti::gpu_ns();
        for (uint64_t i = 0; i < n; ++i) dst[i] = v;
        fake_cupti::record(BS_GPU_ACTIVITY_KERNEL, 0, "fake_fill", 0, stream_id(stream), false, t0, fake_cupti::gpu_ns(), tag);
    };
    if (!c->strict) {
        run();
        return BS_GPU_OK;
    }
    const char* d = reinterpret_cast<const char*>(dst);
    c->strict->submit(stream, {{d, d + n * sizeof(float)}}, run);
    return BS_GPU_OK;
}

// Events: with BS_FAKE_EVENT_CLOCK=host, record() notes the host's steady clock, so elapsed_ms
// is the host time of the emulated work between two records (EMULATED: what the host loops took,
// never a GPU's time); otherwise every elapsed time is 0. In strict mode an event notes when its
// stream reached it, waits order the streams, and reading an event before it completed fails
// (cudaErrorNotReady).
bool host_event_clock() {
    const char* c = std::getenv("BS_FAKE_EVENT_CLOCK");
    return c && std::string_view(c) == "host";
}
fake_strict::Event* ev(BsGpuEvent* e) { return reinterpret_cast<fake_strict::Event*>(e); }
int32_t event_create(BsGpuContext*, BsGpuEvent** out) {
    *out = reinterpret_cast<BsGpuEvent*>(new fake_strict::Event);
    return BS_GPU_OK;
}
int32_t event_destroy(BsGpuContext* c, BsGpuEvent* e) {
    if (c->strict) c->dead_events.emplace_back(ev(e));
    else delete ev(e);
    return BS_GPU_OK;
}
int32_t event_record(BsGpuContext* c, BsGpuEvent* e, int32_t stream) {
    if (std::string v = strict_violation(c); !v.empty()) return fail(c, BS_GPU_ERR_CUDA, v);
    if (c->strict) {
        c->strict->record(ev(e), stream);
    } else {
        ++ev(e)->recorded;
        ev(e)->completed = ev(e)->recorded;
        if (host_event_clock()) ev(e)->t_ns = fake_strict::host_ns();
    }
    return BS_GPU_OK;
}
int32_t stream_wait_event(BsGpuContext* c, int32_t stream, BsGpuEvent* e) {
    op_log("wait", stream);
    if (c->strict) c->strict->wait(stream, ev(e));
    return BS_GPU_OK;
}
int32_t event_synchronize(BsGpuContext* c, BsGpuEvent* e) {
    op_log("sync_event", -1);
    if (c->strict) c->strict->synchronize(ev(e));
    if (std::string v = strict_violation(c); !v.empty()) return fail(c, BS_GPU_ERR_CUDA, v);
    return BS_GPU_OK;
}
int32_t event_elapsed_ms(BsGpuContext* c, BsGpuEvent* a, BsGpuEvent* b, float* ms) {
    if (c->strict) {
        if (!c->strict->done(ev(a)) || !c->strict->done(ev(b)))
            return fail(c, BS_GPU_ERR_CUDA,
                        "cudaEventElapsedTime failed: cudaErrorNotReady (an event has not completed; fake strict)");
        *ms = static_cast<float>(ev(b)->t_ns - ev(a)->t_ns) / 1e6f;
        return BS_GPU_OK;
    }
    *ms = host_event_clock() ? static_cast<float>(ev(b)->t_ns - ev(a)->t_ns) / 1e6f : 0.f;
    return BS_GPU_OK;
}
int32_t stream_synchronize(BsGpuContext* c, int32_t stream) {
    op_log("sync_stream", stream);
    if (c->strict) c->strict->synchronize(stream);
    if (std::string v = strict_violation(c); !v.empty()) return fail(c, BS_GPU_ERR_CUDA, v);
    return BS_GPU_OK;
}

// Every kernel of the table: "not supported", with the context's message set.
template <typename F>
struct Unsupported;
template <typename... A>
struct Unsupported<int32_t (*)(BsGpuContext*, A...)> {
    static int32_t fn(BsGpuContext* c, A...) { return fail(c, BS_GPU_ERR_UNSUPPORTED, "fake plugin: no kernels"); }
};
#define BS_UNSUP(field) &Unsupported<decltype(BsGpuComputeApi::field)>::fn

// An emulated kernel on the compute stream: its arguments checked (its sizes, and each pointer's
// whole extent: fake_kernel_ranges.h), queued (strict) or run, and, for the recorded ones, one
// fake CUPTI kernel record named "fake_<field>". The GEMM launches through the "driver" (as
// cuBLAS does): its record's id follows the driver kind (fake_cupti.h).
BsGpuComputeApi g_emulated;  // the kernels fake_kernels::install put in
template <auto Member, typename F, auto Ranges>
struct Kernel;
template <auto Member, auto Ranges, typename... A>
struct Kernel<Member, int32_t (*)(BsGpuContext*, A...), Ranges> {
    static inline const char* name = "";
    static inline bool recorded = false;
    static inline bool driver = false;
    static int32_t fn(BsGpuContext* c, A... a) {
        if (std::string v = strict_violation(c); !v.empty()) return fail(c, BS_GPU_ERR_CUDA, v);
        std::string bad = fake_checks::pointer_args_error(c->device, name, a...);
        if (bad.empty()) bad = Ranges(c->device, a...);  // the sizes, and each operand's whole extent
        if (!bad.empty()) return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, bad);
        if (recorded) op_log(name, BS_GPU_STREAM_COMPUTE);
        const fake_cupti::Tag tag = fake_cupti::current_tag(driver);
        auto run = [=] {
            const int64_t t0 = fake_cupti::gpu_ns();
            (g_emulated.*Member)(c, a...);
            if (recorded)
                fake_cupti::record(BS_GPU_ACTIVITY_KERNEL, 0, name, 0, stream_id(BS_GPU_STREAM_COMPUTE), false, t0,
                                   fake_cupti::gpu_ns(), tag);
        };
        if (!c->strict) return (run(), BS_GPU_OK);
        c->strict->submit(BS_GPU_STREAM_COMPUTE, fake_checks::allocations_of(c->device, a...), run);
        return BS_GPU_OK;
    }
};
#define BS_KERNEL(field, is_recorded)                                                                     \
    do {                                                                                                  \
        using K = Kernel<&BsGpuComputeApi::field, decltype(BsGpuComputeApi::field), &fake_ranges::field>; \
        K::name = "fake_" #field;                                                                         \
        K::recorded = is_recorded;                                                                        \
        K::driver = std::string_view(#field) == "sgemm";                                                  \
        t.field = &K::fn;                                                                                 \
    } while (0)

void wrap_emulated_kernels(BsGpuComputeApi& t) {
    g_emulated = t;
    BS_KERNEL(sgemm, true);
    BS_KERNEL(bias_activation, true);
    BS_KERNEL(activation_backward, true);
    BS_KERNEL(softmax_xent, true);
    BS_KERNEL(hinge, true);
    BS_KERNEL(argmax_match, true);
    BS_KERNEL(sgd_momentum, true);
    BS_KERNEL(adam, true);
    BS_KERNEL(sum, true);
    BS_KERNEL(column_sum, true);
    BS_KERNEL(im2col_batch, true);
    BS_KERNEL(col2im_batch, true);
    BS_KERNEL(transpose_outer, true);
    BS_KERNEL(collate_u8, true);
    BS_KERNEL(activation_forward, false);
    BS_KERNEL(bias_add, false);
    BS_KERNEL(bias_grad, false);
    BS_KERNEL(dropout, false);
    BS_KERNEL(dropout_grad, false);
    BS_KERNEL(im2col, false);
    BS_KERNEL(col2im, false);
    BS_KERNEL(maxpool, false);
    BS_KERNEL(maxpool_grad, false);
}

BsGpuComputeApi make_table() {
    BsGpuComputeApi t{sizeof(BsGpuComputeApi), BS_GPU_COMPUTE_ABI_VERSION,
                      &create, &destroy, &last_error, &set_tf32,
                      &device_alloc, &device_free, &host_alloc, &host_free, &release_cached, &memory_stats,
                      &copy_h2d, &copy_d2h, &fill,
                      &event_create, &event_destroy, &event_record, &stream_wait_event, &event_synchronize,
                      &event_elapsed_ms, &stream_synchronize,
                      BS_UNSUP(sgemm), BS_UNSUP(bias_activation), BS_UNSUP(activation_backward),
                      BS_UNSUP(softmax_xent), BS_UNSUP(hinge), BS_UNSUP(argmax_match), BS_UNSUP(sgd_momentum),
                      BS_UNSUP(adam), BS_UNSUP(sum), BS_UNSUP(column_sum),
                      BS_UNSUP(activation_forward), BS_UNSUP(bias_add), BS_UNSUP(bias_grad), BS_UNSUP(dropout),
                      BS_UNSUP(dropout_grad), BS_UNSUP(im2col), BS_UNSUP(col2im), BS_UNSUP(maxpool),
                      BS_UNSUP(maxpool_grad),
                      BS_UNSUP(im2col_batch), BS_UNSUP(col2im_batch), BS_UNSUP(transpose_outer),
                      nullptr, nullptr, nullptr, nullptr,  // the graph functions: fake_graph::wrap
                      BS_UNSUP(collate_u8),
                      1u};  // host_alloc_any_thread (BS_FAKE_HOST_ANY_THREAD=0: a plugin built before it)
    return t;
}

int32_t probe(BsGpuProbeInfo* info) {
    BsGpuProbeInfo r{};
    r.device_count = 1;
    r.driver_version = r.runtime_version = 13000;
    std::strcpy(r.device_name, "Fake GPU (host memory)");
    const uint32_t n = std::min<uint32_t>(info->struct_size, sizeof r);
    std::memcpy(info, &r, n);
    info->struct_size = n;
    return BS_GPU_PROBE_OK;
}

BsGpuComputeApi g_table;
BsGpuPluginApi g_api;

}  // namespace

fake_graph::Capture& fake_graph::capture_of(BsGpuContext* c) { return c->capture; }
int32_t fake_graph::fail(BsGpuContext* c, int32_t status, std::string msg) { return ::fail(c, status, std::move(msg)); }

extern "C" __attribute__((visibility("default"))) const BsGpuPluginApi*
batchscope_gpu_plugin_entry(uint32_t requested_abi) {
    if (requested_abi != BS_GPU_PLUGIN_ABI_VERSION) return nullptr;
    const std::string_view m = mode();
    g_table = make_table();
    if (m == "emulate") {
        fake_kernels::install(g_table);
        wrap_emulated_kernels(g_table);
    }
    fake_graph::wrap(g_table, m == "emulate");
    if (fake_graph::mode() == "none") g_table.struct_size = offsetof(BsGpuComputeApi, graph_begin_capture);
    if (const char* h = std::getenv("BS_FAKE_HOST_ANY_THREAD"); h && std::string_view(h) == "0")
        g_table.struct_size = std::min<uint32_t>(g_table.struct_size, offsetof(BsGpuComputeApi, host_alloc_any_thread));
    if (m == "old_table") g_table.abi_version = BS_GPU_COMPUTE_ABI_VERSION + 1;
    if (m == "short_table") g_table.struct_size = offsetof(BsGpuComputeApi, sgemm);
    g_api = BsGpuPluginApi{sizeof(BsGpuPluginApi), BS_GPU_PLUGIN_ABI_VERSION, "compute fake", &probe,
                           std::getenv("BS_FAKE_CUPTI") ? fake_cupti::table() : nullptr, &g_table};
    // A plugin built before the compute table: its struct ends after `cupti`.
    if (m == "no_table") g_api.struct_size = offsetof(BsGpuPluginApi, compute);
    return &g_api;
}
