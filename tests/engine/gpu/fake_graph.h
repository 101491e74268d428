#pragma once
// CUDA graphs in the fake compute plugin: EMULATED. Between graph_begin_capture and
// graph_end_capture, the table's calls on the capturing stream (copies, fills, event records and
// waits, the emulated kernels) are recorded as closures instead of running; graph_launch runs
// them again, in order, with the arguments they were captured with (as a CUDA graph keeps its
// pointers and sizes). Like CUDA: waiting on an event that was not recorded inside the capture,
// or queuing on the other stream, invalidates the capture (this emulation records one stream);
// graph_end_capture then fails with the reason and the stream is usable again.
// Calls CUDA does not allow while a stream captures (in its default, global mode): a stream or
// event synchronisation, device or page-locked allocation and free. Each fails with
// cudaErrorStreamCaptureUnsupported and invalidates the capture, as CUDA does.
// Environment, read at each call: BS_FAKE_GRAPH = fail_capture (every end_capture fails, as a
// call CUDA cannot capture would make it) | fail_launch (every launch fails) | none (the table
// ends before the graph functions: a plugin built before them).
#include "batchscope/engine/gpu_plugin_abi.h"

#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace fake_graph {

using Op = std::function<int32_t()>;

struct Capture {
    int32_t stream = -1;                // the stream being captured, -1 when none
    std::vector<Op> ops;                // what it recorded
    std::set<const BsGpuEvent*> events; // events recorded inside it
    std::string invalid;                // why the capture is invalidated ("" while it is fine)
};

struct Graph {
    std::vector<Op> ops;
};

// Defined by the plugin: the context's capture state and its error setter.
Capture& capture_of(BsGpuContext* c);
int32_t fail(BsGpuContext* c, int32_t status, std::string msg);

inline std::string_view mode() {
    const char* m = std::getenv("BS_FAKE_GRAPH");
    return m ? m : "";
}

// Records `op` when `stream` is being captured (true), else leaves it to run now (false). Work on
// the other stream during a capture invalidates it.
inline bool captured(BsGpuContext* c, int32_t stream, Op op) {
    Capture& cap = capture_of(c);
    if (cap.stream < 0) return false;
    if (stream != cap.stream) {
        if (cap.invalid.empty())
            cap.invalid = std::string("work queued on stream ") + std::to_string(stream) + " while stream " +
                          std::to_string(cap.stream) + " was being captured (fake: one stream per capture)";
        return true;
    }
    cap.ops.push_back(std::move(op));
    return true;
}

// The table's entry `Member` as it runs outside a capture (set by wrap()).
inline BsGpuComputeApi g_direct;

// A table entry that is recorded during a capture. StreamArg: the index of its stream argument
// (after the context), or -1 for the kernels (always the compute stream).
template <auto Member, int StreamArg, typename F>
struct Capturable;
template <auto Member, int StreamArg, typename... A>
struct Capturable<Member, StreamArg, int32_t (*)(BsGpuContext*, A...)> {
    static int32_t fn(BsGpuContext* c, A... a) {
        const auto run = g_direct.*Member;
        int32_t stream = BS_GPU_STREAM_COMPUTE;
        if constexpr (StreamArg >= 0) stream = static_cast<int32_t>(std::get<StreamArg>(std::tie(a...)));
        if (c && captured(c, stream, [=] { return run(c, a...); })) return BS_GPU_OK;
        return run(c, a...);
    }
};

inline int32_t event_record(BsGpuContext* c, BsGpuEvent* e, int32_t stream) {
    const auto run = g_direct.event_record;
    if (!captured(c, stream, [=] { return run(c, e, stream); })) return run(c, e, stream);
    capture_of(c).events.insert(e);
    return BS_GPU_OK;
}

inline int32_t stream_wait_event(BsGpuContext* c, int32_t stream, BsGpuEvent* e) {
    Capture& cap = capture_of(c);
    if (cap.stream >= 0 && stream == cap.stream && !cap.events.count(e) && cap.invalid.empty())
        cap.invalid = "a wait on an event recorded outside the capture (cudaErrorStreamCaptureIsolation, fake)";
    const auto run = g_direct.stream_wait_event;
    if (captured(c, stream, [=] { return run(c, stream, e); })) return BS_GPU_OK;
    return run(c, stream, e);
}

inline int32_t begin_capture(BsGpuContext* c, int32_t stream) {
    if (stream != BS_GPU_STREAM_COMPUTE && stream != BS_GPU_STREAM_COPY)
        return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, std::string("unknown stream ") + std::to_string(stream));
    Capture& cap = capture_of(c);
    if (cap.stream >= 0)
        return fail(c, BS_GPU_ERR_CUDA, "cudaStreamBeginCapture failed: cudaErrorIllegalState (already capturing, fake)");
    cap = Capture{};
    cap.stream = stream;
    return BS_GPU_OK;
}

inline int32_t end_capture(BsGpuContext* c, int32_t stream, BsGpuGraph** out) {
    if (!out) return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, "graph_end_capture: out must not be null");
    *out = nullptr;
    Capture& cap = capture_of(c);
    if (cap.stream < 0 || cap.stream != stream)
        return fail(c, BS_GPU_ERR_CUDA, "cudaStreamEndCapture failed: cudaErrorIllegalState (stream not capturing, fake)");
    Capture done = std::move(cap);
    cap = Capture{};
    if (mode() == "fail_capture")
        return fail(c, BS_GPU_ERR_CUDA,
                    "cudaStreamEndCapture (a call inside the capture failed or was not capturable) failed: "
                    "cudaErrorStreamCaptureUnsupported (operation not permitted when stream is capturing) (fake)");
    if (!done.invalid.empty())
        return fail(c, BS_GPU_ERR_CUDA,
                    "cudaStreamEndCapture failed: cudaErrorStreamCaptureInvalidated: " + done.invalid);
    *out = reinterpret_cast<BsGpuGraph*>(new Graph{std::move(done.ops)});
    return BS_GPU_OK;
}

inline int32_t launch(BsGpuContext* c, BsGpuGraph* g, int32_t stream) {
    if (!g) return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, "graph_launch: graph must not be null");
    if (stream != BS_GPU_STREAM_COMPUTE && stream != BS_GPU_STREAM_COPY)
        return fail(c, BS_GPU_ERR_INVALID_ARGUMENT, std::string("unknown stream ") + std::to_string(stream));
    if (mode() == "fail_launch") return fail(c, BS_GPU_ERR_CUDA, "cudaGraphLaunch failed: cudaErrorLaunchFailure (fake)");
    for (const Op& op : reinterpret_cast<Graph*>(g)->ops)
        if (const int32_t st = op(); st != BS_GPU_OK) return st;
    return BS_GPU_OK;
}

inline int32_t destroy(BsGpuContext*, BsGpuGraph* g) {
    delete reinterpret_cast<Graph*>(g);
    return BS_GPU_OK;
}

// A table entry CUDA refuses during a capture.
template <auto Member, typename F>
struct NotInCapture;
template <auto Member, typename... A>
struct NotInCapture<Member, int32_t (*)(BsGpuContext*, A...)> {
    static inline const char* call = "";
    static int32_t fn(BsGpuContext* c, A... a) {
        if (c && capture_of(c).stream >= 0) {
            Capture& cap = capture_of(c);
            if (cap.invalid.empty())
                cap.invalid = std::string(call) + " during the capture (cudaErrorStreamCaptureUnsupported, fake)";
            return fail(c, BS_GPU_ERR_CUDA,
                        std::string(call) +
                            " failed: cudaErrorStreamCaptureUnsupported (operation not permitted when stream is "
                            "capturing, fake)");
        }
        return (g_direct.*Member)(c, a...);
    }
};

#define BS_FAKE_NOT_IN_CAPTURE(t, field, name)                                                  \
    do {                                                                                        \
        using N = NotInCapture<&BsGpuComputeApi::field, decltype(BsGpuComputeApi::field)>;      \
        N::call = name;                                                                         \
        t.field = &N::fn;                                                                       \
    } while (0)

#define BS_FAKE_CAPTURABLE(t, field, stream_arg) \
    t.field = &Capturable<&BsGpuComputeApi::field, stream_arg, decltype(BsGpuComputeApi::field)>::fn

// Puts the graph functions into `t` and makes its enqueuing entries capturable (`kernels`: the
// emulated kernels too; the unsupported ones fail at once anyway).
inline void wrap(BsGpuComputeApi& t, bool kernels) {
    g_direct = t;
    BS_FAKE_CAPTURABLE(t, copy_h2d, 3);
    BS_FAKE_CAPTURABLE(t, copy_d2h, 3);
    BS_FAKE_CAPTURABLE(t, fill, 3);
    t.event_record = &event_record;
    t.stream_wait_event = &stream_wait_event;
    BS_FAKE_NOT_IN_CAPTURE(t, stream_synchronize, "cudaStreamSynchronize");
    BS_FAKE_NOT_IN_CAPTURE(t, event_synchronize, "cudaEventSynchronize");
    BS_FAKE_NOT_IN_CAPTURE(t, device_alloc, "cudaMalloc");
    BS_FAKE_NOT_IN_CAPTURE(t, device_free, "cudaFree");
    BS_FAKE_NOT_IN_CAPTURE(t, host_alloc, "cudaMallocHost");
    BS_FAKE_NOT_IN_CAPTURE(t, host_free, "cudaFreeHost");
    if (kernels) {
        BS_FAKE_CAPTURABLE(t, sgemm, -1);
        BS_FAKE_CAPTURABLE(t, bias_activation, -1);
        BS_FAKE_CAPTURABLE(t, activation_backward, -1);
        BS_FAKE_CAPTURABLE(t, softmax_xent, -1);
        BS_FAKE_CAPTURABLE(t, hinge, -1);
        BS_FAKE_CAPTURABLE(t, argmax_match, -1);
        BS_FAKE_CAPTURABLE(t, sgd_momentum, -1);
        BS_FAKE_CAPTURABLE(t, adam, -1);
        BS_FAKE_CAPTURABLE(t, sum, -1);
        BS_FAKE_CAPTURABLE(t, column_sum, -1);
        BS_FAKE_CAPTURABLE(t, activation_forward, -1);
        BS_FAKE_CAPTURABLE(t, bias_add, -1);
        BS_FAKE_CAPTURABLE(t, bias_grad, -1);
        BS_FAKE_CAPTURABLE(t, dropout, -1);
        BS_FAKE_CAPTURABLE(t, dropout_grad, -1);
        BS_FAKE_CAPTURABLE(t, im2col, -1);
        BS_FAKE_CAPTURABLE(t, col2im, -1);
        BS_FAKE_CAPTURABLE(t, maxpool, -1);
        BS_FAKE_CAPTURABLE(t, maxpool_grad, -1);
        BS_FAKE_CAPTURABLE(t, im2col_batch, -1);
        BS_FAKE_CAPTURABLE(t, col2im_batch, -1);
        BS_FAKE_CAPTURABLE(t, transpose_outer, -1);
    }
    t.graph_begin_capture = &begin_capture;
    t.graph_end_capture = &end_capture;
    t.graph_launch = &launch;
    t.graph_destroy = &destroy;
}

#undef BS_FAKE_CAPTURABLE
#undef BS_FAKE_NOT_IN_CAPTURE

}  // namespace fake_graph
