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
// synchronisation, in call order: "<op> <stream> <id> <phase>" (stream: compute, copy or -; id and
// phase: the CUPTI tag pushed on the calling thread, -1 and 255 when none), for tests of the order
// in which the core queues work (pipelined training).
#include "batchscope/engine/gpu_plugin_abi.h"
#include "fake_compute_kernels.h"
#include "fake_cupti.h"
#include "fake_graph.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

struct BsGpuContext {
    std::string error;
    std::map<void*, size_t> device, host;
    uint64_t budget = 0, used = 0, peak = 0, mallocs = 0;
    fake_graph::Capture capture;
};

namespace {

std::string_view mode() {
    const char* m = std::getenv("BS_FAKE_COMPUTE");
    return m ? m : "ok";
}

int32_t fail(BsGpuContext* c, int32_t st, std::string msg) {
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
    *out = c;
    return BS_GPU_OK;
}

void destroy(BsGpuContext* c) {
    for (auto& [p, n] : c->device) std::free(p);
    for (auto& [p, n] : c->host) std::free(p);
    delete c;
}

uint32_t last_error(BsGpuContext* c, char* out, uint32_t cap) {
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
    c->used -= it->second;
    std::free(p);
    c->device.erase(it);
    return BS_GPU_OK;
}

int32_t host_alloc(BsGpuContext* c, uint64_t bytes, void** out) {
    *out = std::malloc(bytes ? bytes : 1);
    c->host[*out] = bytes;
    return BS_GPU_OK;
}

int32_t host_free(BsGpuContext* c, void* p) {
    if (!c->host.erase(p)) return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, "host_free: unknown pointer");
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
    for (auto& [p, n] : c->host) s.pinned_bytes += n;
    s.device_total_bytes = c->budget;
    s.device_free_bytes = c->budget - c->used;
    const uint32_t n = std::min<uint32_t>(out->struct_size, sizeof s);
    std::memcpy(out, &s, n);
    return BS_GPU_OK;
}

// True when p lies in one of the context's page-locked host allocations.
bool pinned_host(const BsGpuContext* c, const void* p) {
    auto it = c->host.upper_bound(const_cast<void*>(p));
    if (it == c->host.begin()) return false;
    --it;
    return static_cast<const char*>(p) < static_cast<const char*>(it->first) + std::max<size_t>(it->second, 1);
}

// The op log (BS_FAKE_OP_LOG): reopened when the variable names another file.
void op_log(const char* op, int32_t stream) {
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
    std::fprintf(f, "%s %s %lld %u\n", op, s,
                 static_cast<long long>(tagged ? fake_cupti::t_tags.back().first : -1),
                 static_cast<unsigned>(tagged ? fake_cupti::t_tags.back().second : 255u));
    std::fflush(f);
}

// The fake CUPTI's stream ids: non-zero, like CUDA's.
uint32_t stream_id(int32_t stream) { return static_cast<uint32_t>(stream) + 13u; }

int32_t copy(BsGpuContext* c, void* dst, const void* src, uint64_t bytes, int32_t stream, uint8_t kind) {
    if (stream != BS_GPU_STREAM_COMPUTE && stream != BS_GPU_STREAM_COPY)
        return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, "unknown stream " + std::to_string(stream));
    op_log(kind == BS_GPU_COPY_HTOD ? "h2d" : "d2h", stream);
    const int64_t t0 = fake_cupti::gpu_ns();
    std::memcpy(dst, src, bytes);
    const bool pinned = pinned_host(c, kind == BS_GPU_COPY_HTOD ? src : dst);
    fake_cupti::record(BS_GPU_ACTIVITY_MEMCPY, kind, "", bytes, stream_id(stream), pinned, t0, fake_cupti::gpu_ns());
    return BS_GPU_OK;
}
int32_t copy_h2d(BsGpuContext* c, void* dst, const void* src, uint64_t bytes, int32_t stream) {
    return copy(c, dst, src, bytes, stream, BS_GPU_COPY_HTOD);
}
int32_t copy_d2h(BsGpuContext* c, void* dst, const void* src, uint64_t bytes, int32_t stream) {
    return copy(c, dst, src, bytes, stream, BS_GPU_COPY_DTOH);
}

int32_t fill(BsGpuContext*, float* dst, uint64_t n, float v, int32_t stream) {
    const int64_t t0 = fake_cupti::gpu_ns();
    for (uint64_t i = 0; i < n; ++i) dst[i] = v;
    fake_cupti::record(BS_GPU_ACTIVITY_KERNEL, 0, "fake_fill", 0, stream_id(stream), false, t0, fake_cupti::gpu_ns());
    return BS_GPU_OK;
}

// Events: with BS_FAKE_EVENT_CLOCK=host, record() notes the host's steady clock, so elapsed_ms
// is the host time of the emulated work between two records (EMULATED: what the host loops took,
// never a GPU's time); otherwise every elapsed time is 0.
bool host_event_clock() {
    const char* c = std::getenv("BS_FAKE_EVENT_CLOCK");
    return c && std::string_view(c) == "host";
}
int32_t event_create(BsGpuContext*, BsGpuEvent** out) {
    *out = reinterpret_cast<BsGpuEvent*>(new int64_t(0));
    return BS_GPU_OK;
}
int32_t event_destroy(BsGpuContext*, BsGpuEvent* e) {
    delete reinterpret_cast<int64_t*>(e);
    return BS_GPU_OK;
}
int32_t event_record(BsGpuContext*, BsGpuEvent* e, int32_t) {
    if (host_event_clock())
        *reinterpret_cast<int64_t*>(e) =
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
    return BS_GPU_OK;
}
int32_t stream_wait_event(BsGpuContext*, int32_t stream, BsGpuEvent*) {
    op_log("wait", stream);
    return BS_GPU_OK;
}
int32_t event_synchronize(BsGpuContext*, BsGpuEvent*) {
    op_log("sync_event", -1);
    return BS_GPU_OK;
}
int32_t event_elapsed_ms(BsGpuContext*, BsGpuEvent* a, BsGpuEvent* b, float* ms) {
    *ms = host_event_clock()
              ? static_cast<float>(*reinterpret_cast<int64_t*>(b) - *reinterpret_cast<int64_t*>(a)) / 1e6f
              : 0.f;
    return BS_GPU_OK;
}
int32_t stream_synchronize(BsGpuContext*, int32_t stream) {
    op_log("sync_stream", stream);
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

// An emulated kernel as one fake CUPTI kernel record named "fake_<field>" on the compute stream.
BsGpuComputeApi g_emulated;  // the kernels fake_kernels::install put in
template <auto Member, typename F>
struct Recorded;
template <auto Member, typename... A>
struct Recorded<Member, int32_t (*)(BsGpuContext*, A...)> {
    static inline const char* name = "";
    static int32_t fn(BsGpuContext* c, A... a) {
        op_log(name, BS_GPU_STREAM_COMPUTE);
        const int64_t t0 = fake_cupti::gpu_ns();
        const int32_t st = (g_emulated.*Member)(c, a...);
        fake_cupti::record(BS_GPU_ACTIVITY_KERNEL, 0, name, 0, stream_id(BS_GPU_STREAM_COMPUTE), false, t0,
                           fake_cupti::gpu_ns());
        return st;
    }
};
#define BS_RECORDED(field)                                                                       \
    do {                                                                                         \
        using R = Recorded<&BsGpuComputeApi::field, decltype(BsGpuComputeApi::field)>;           \
        R::name = "fake_" #field;                                                                \
        t.field = &R::fn;                                                                        \
    } while (0)

void record_emulated_kernels(BsGpuComputeApi& t) {
    g_emulated = t;
    BS_RECORDED(sgemm);
    BS_RECORDED(bias_activation);
    BS_RECORDED(activation_backward);
    BS_RECORDED(softmax_xent);
    BS_RECORDED(hinge);
    BS_RECORDED(argmax_match);
    BS_RECORDED(sgd_momentum);
    BS_RECORDED(adam);
    BS_RECORDED(sum);
    BS_RECORDED(column_sum);
    BS_RECORDED(im2col_batch);
    BS_RECORDED(col2im_batch);
    BS_RECORDED(transpose_outer);
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
                      nullptr, nullptr, nullptr, nullptr};  // the graph functions: fake_graph::wrap
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
        record_emulated_kernels(g_table);
    }
    fake_graph::wrap(g_table, m == "emulate");
    if (fake_graph::mode() == "none") g_table.struct_size = offsetof(BsGpuComputeApi, graph_begin_capture);
    if (m == "old_table") g_table.abi_version = BS_GPU_COMPUTE_ABI_VERSION + 1;
    if (m == "short_table") g_table.struct_size = offsetof(BsGpuComputeApi, sgemm);
    g_api = BsGpuPluginApi{sizeof(BsGpuPluginApi), BS_GPU_PLUGIN_ABI_VERSION, "compute fake", &probe,
                           std::getenv("BS_FAKE_CUPTI") ? fake_cupti::table() : nullptr, &g_table};
    // A plugin built before the compute table: its struct ends after `cupti`.
    if (m == "no_table") g_api.struct_size = offsetof(BsGpuPluginApi, compute);
    return &g_api;
}
