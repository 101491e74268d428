#include "batchscope/trace_import/import_advice.h"

#include <cstdio>

namespace batchscope::trace_import {
namespace {

std::string pct(double share) {
    char b[16];
    std::snprintf(b, sizeof b, "%.0f%%", 100.0 * share);
    return b;
}

}  // namespace

ImportVerdict advise(const TraceAnalysis& a) {
    ImportVerdict v;
    const StepParts& t = a.total;
    if (t.wall_ns <= 0) {
        v.verdict = "no steps";
        v.advice.push_back("The trace has no complete step to judge.");
        return v;
    }
    const double w = static_cast<double>(t.wall_ns);
    const double data = static_cast<double>(t.data_wait_ns) / w, comm = static_cast<double>(t.comm_ns) / w;
    const double compute = static_cast<double>(t.compute_ns) / w;
    const double copies = static_cast<double>(t.h2d_ns + t.d2h_ns) / w;
    const double host = static_cast<double>(t.host_ns) / w, host_wait = static_cast<double>(t.host_wait_ns) / w;

    if (data >= 0.3) v.verdict = "input-bound";
    else if (data >= 0.1) v.verdict = "partly input-bound";
    else if (comm >= 0.2) v.verdict = "communication-bound";
    else if (a.has_gpu && host >= 0.3) v.verdict = "host-bound";
    else if (copies >= 0.2) v.verdict = "copy-bound";
    else v.verdict = "compute-bound";

    if (data >= 0.1) {
        v.advice.push_back("The training loop waits on the DataLoader " + pct(data) +
                           " of the time: raise DataLoader(num_workers=...) (with persistent_workers=True), and "
                           "prefetch_factor if the workers keep up only on average.");
        v.advice.push_back("If one sample is expensive to decode or augment, move that work out of __getitem__ "
                           "(pre-process once, or decode on the GPU).");
    }
    if (a.h2d_copies > 0 && a.h2d_pageable > 0)
        v.advice.push_back(std::to_string(a.h2d_pageable) + " of " + std::to_string(a.h2d_copies) +
                           " host-to-device copies come from pageable memory: DataLoader(pin_memory=True) and "
                           ".to(device, non_blocking=True) let them overlap compute.");
    else if (copies >= 0.1)
        v.advice.push_back("Copies take " + pct(copies) +
                           " of the step: use .to(device, non_blocking=True) so they overlap compute, and copy "
                           "fewer, larger tensors.");
    if (t.comm_ns > 0) {
        const double overlap =
            t.comm_busy_ns > 0 ? static_cast<double>(t.comm_overlap_ns) / static_cast<double>(t.comm_busy_ns) : 0;
        v.advice.push_back("Collectives run " + pct(static_cast<double>(t.comm_busy_ns) / w) + " of the time, " +
                           pct(overlap) + " of it overlapped with compute (" + pct(comm) + " of the step exposed).");
        if (comm >= 0.1)
            v.advice.push_back("To hide more of it: let DDP overlap the gradient all-reduce with backward "
                               "(find_unused_parameters=False, gradient_as_bucket_view=True), and try a larger "
                               "bucket_cap_mb (default 25) for fewer, larger all-reduces; a larger batch size "
                               "sends the same gradients for more work.");
    }
    if (a.has_gpu && host_wait >= 0.15)
        v.advice.push_back("The GPU sits idle with no work queued " + pct(host_wait) +
                           " of the time, waiting for Python to launch kernels: a larger batch size, "
                           "torch.compile or CUDA graphs cut the launches per sample.");
    if (v.verdict == "compute-bound" && a.has_gpu)
        v.advice.push_back("Kernels fill " + pct(compute) +
                           " of the step: mixed precision (torch.autocast) and a larger batch size if memory "
                           "allows are the next levers.");
    if (v.verdict == "compute-bound" && !a.has_gpu)
        v.advice.push_back("A CPU trace: the step is spent in operators on the host (" + pct(host) +
                           "), not waiting on data.");
    if (a.whole_trace_window)
        v.advice.push_back("The trace has no ProfilerStep annotations: it was judged as one window. Call "
                           "prof.step() once per iteration to get steps.");
    return v;
}

}  // namespace batchscope::trace_import
