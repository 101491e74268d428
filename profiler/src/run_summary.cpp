#include "batchscope/profiler/run_summary.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "batchscope/profiler/change_effect.h"
#include "batchscope/profiler/window_summary.h"

namespace batchscope::profiler {
namespace {

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string ms(int64_t ns) { return fmt("%.3f", static_cast<double>(ns) / 1e6); }
std::string pct(double share) { return fmt("%.1f%%", share * 100.0); }

void breakdown_section(std::ostream& o, const WindowSummary& w) {
    const double n = static_cast<double>(std::max<int64_t>(1, w.iterations));
    auto row = [&](const char* part, int64_t ns) {
        o << "| " << part << " | " << fmt("%.3f", static_cast<double>(ns) / n / 1e6) << " | " << pct(w.share(ns)) << " |\n";
    };
    o << "## Where the time went\n\n"
      << w.iterations << " iterations, " << w.samples << " samples, " << fmt("%.0f", w.samples_per_s())
      << " samples/s; mean step " << fmt("%.3f", w.mean_step_ns() / 1e6) << " ms.\n\n"
      << "| part | mean ms per iteration | share |\n|---|---:|---:|\n";
    row("data wait", w.total.data_wait_ns);
    row("h2d", w.total.h2d_ns);
    row("compute", w.total.compute_ns);
    row("d2h", w.total.d2h_ns);
    row("host", w.total.host_ns);
    o << "\n";
}

void verdict_section(std::ostream& o, const RunSummaryInput& in) {
    const int64_t n = static_cast<int64_t>(in.iterations.size());
    const auto last = in.iterations.subspan(static_cast<size_t>(std::max<int64_t>(0, n - in.verdict_window)));
    const Verdict v = judge(summarize(last), in.context);
    o << "## Verdict (last " << last.size() << " iterations)\n\n**" << v.headline << "**\n\n";
    if (!v.diagnosis.empty()) o << v.diagnosis << ".\n\n";
    for (const Advice& a : v.advice) {
        o << "- Try " << a.text << "\n";
        if (a.expected.valid()) o << "  - expected: " << describe(a.expected) << " (" << a.expected.reason << ")\n";
    }
    if (v.advice.empty()) o << "- No knob to turn for this bottleneck" << (v.note.empty() ? "" : ": " + v.note) << ".\n";
    o << "\n";
}

void changes_section(std::ostream& o, const RunSummaryInput& in) {
    if (in.knob_changes.empty()) return;
    o << "## Knob changes\n\n";
    for (const ChangeEffect& e : effects_of_changes(in.iterations, in.knob_changes))
        o << "- iteration " << e.marker.iteration << ": " << e.text << "\n";
    o << "\n";
}

void loader_section(std::ostream& o, const LoaderOverlap& l) {
    o << "## Loader\n\n" << l.batches.size() << " batches built in " << ms(l.load_ns) << " ms of loader time: "
      << ms(l.hidden_ns) << " ms hidden behind training (" << pct(l.hidden_share()) << "), " << ms(l.exposed_ns)
      << " ms exposed (built while the trainer waited for it)";
    if (l.wait_other_ns > 0) o << "; the trainer also waited " << ms(l.wait_other_ns) << " ms while no batch it needed was being built (hand-off, queue)";
    o << ".\n\n";
}

void gpu_section(std::ostream& o, const RunSummaryInput& in) {
    if (in.gpu) {
        const GpuUtilization& g = *in.gpu;
        o << "## GPU\n\nbusy " << pct(g.busy_share()) << " of " << ms(g.window_ns) << " ms; copies overlapped with compute "
          << pct(g.overlap_share()) << " of the copy time; idle " << ms(g.idle_ns) << " ms, of which "
          << ms(g.idle_waiting_for_host_ns) << " ms waiting for the host (" << ms(g.idle_waiting_for_data_ns)
          << " ms of it for data) and " << ms(g.idle_other_ns) << " ms other.\n\n";
    }
    if (!in.kernels.empty()) {
        o << "| kernel | calls | total ms | mean µs | max µs |\n|---|---:|---:|---:|---:|\n";
        for (size_t i = 0; i < std::min<size_t>(10, in.kernels.size()); ++i) {
            const KernelRow& k = in.kernels[i];
            o << "| `" << k.name << "` | " << k.calls << " | " << ms(k.total_ns) << " | " << fmt("%.1f", k.mean_ns() / 1e3)
              << " | " << fmt("%.1f", static_cast<double>(k.max_ns) / 1e3) << " |\n";
        }
        o << "\n";
    }
    if (!in.copies.empty()) {
        o << "| copy | host memory | calls | MB | total ms | GB/s |\n|---|---|---:|---:|---:|---:|\n";
        for (const CopyRow& c : in.copies)
            o << "| " << copy_direction_name(c.direction) << " | " << (c.pinned ? "pinned" : "pageable") << " | " << c.calls
              << " | " << fmt("%.2f", static_cast<double>(c.bytes) / 1e6) << " | " << ms(c.total_ns) << " | "
              << fmt("%.2f", c.gb_per_s()) << " |\n";
        o << "\n";
    }
}

}  // namespace

std::string markdown_summary(const RunSummaryInput& in) {
    std::ostringstream o;
    o << "# " << in.title << "\n\n";
    if (!in.facts.empty()) {
        o << "| | |\n|---|---|\n";
        for (const auto& [k, v] : in.facts) o << "| " << k << " | " << v << " |\n";
        o << "\n";
    }
    const WindowSummary all = summarize(in.iterations);
    if (all.empty()) {
        o << "No iterations were recorded.\n";
        return o.str();
    }
    breakdown_section(o, all);
    verdict_section(o, in);
    changes_section(o, in);
    if (in.loader) loader_section(o, *in.loader);
    gpu_section(o, in);
    if (in.dropped_host_events || in.dropped_gpu_records)
        o << "**Incomplete trace:** " << in.dropped_host_events << " host events and " << in.dropped_gpu_records
          << " GPU records were dropped.\n";
    return o.str();
}

}  // namespace batchscope::profiler
