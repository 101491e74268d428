#include "cli_export.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <span>
#include <iostream>
#include <vector>

#include "batchscope/analysis/csv_export.h"
#include "batchscope/analysis/session_trace.h"
#include "batchscope/engine/verdict_context.h"
#include "batchscope/profiler/chrome_trace.h"
#include "batchscope/profiler/event_store.h"
#include "batchscope/profiler/loader_overlap.h"
#include "batchscope/profiler/output_file.h"
#include "batchscope/profiler/run_summary.h"

namespace batchscope::cli {
namespace {

using profiler::Event;
using profiler::Lane;
using profiler::LaneKind;
using profiler::Phase;

constexpr size_t kMaxIterations = 2'000'000;  // ~300 MB of records: beyond it, the exports stop growing
constexpr size_t kMaxTraceEvents = 1u << 21;  // 64 MiB of raw events (~300 MB of JSON): the newest are kept

profiler::IterationSample to_sample(const engine::IterationRecord& r) {
    return {r.iteration, r.epoch, r.batch_size, r.start_ns, r.end_ns, r.breakdown, r.loss, r.queue_depth};
}

Event event(Phase p, int64_t s, int64_t e, Lane lane, int64_t id) { return profiler::make_event(p, s, e, lane, id); }

// Without raw events (a run with --no-trace) the timeline is rebuilt from the records: the
// controller's phases laid end to end (analysis/session_trace.h), and each record's batch build
// (worker, interval, parts laid end to end).
void append_events(const engine::IterationRecord& r, bool gpu, std::vector<Event>& out) {
    const Lane ctl{LaneKind::Controller, 0};
    analysis::append_rebuilt_iteration(r.iteration, r.start_ns, r.end_ns, r.breakdown, gpu, out);
    int64_t t = r.start_ns;
    const engine::BatchTimes& b = r.load;
    if (b.end_ns <= b.start_ns) return;
    const Lane lane = b.worker < 0 ? ctl : Lane{LaneKind::LoaderWorker, static_cast<uint8_t>(b.worker)};
    out.push_back(event(Phase::Load, b.start_ns, b.end_ns, lane, r.iteration));
    t = b.start_ns;
    for (auto [phase, ns] : {std::pair{Phase::ReadPhase, b.parts.read_ns}, {Phase::Decode, b.parts.decode_ns},
                             {Phase::Augment, b.parts.augment_ns}, {Phase::Collate, b.parts.collate_ns}}) {
        const int64_t end = std::min(t + ns, b.end_ns);
        if (end > t) out.push_back(event(phase, t, end, lane, r.iteration));
        t = end;
    }
}

class ExportSink final : public engine::RunSink {
public:
    ExportSink(ExportOptions opts, const engine::TrainConfig& cfg, std::shared_ptr<engine::RunSink> inner)
        : opts_(std::move(opts)), cfg_(cfg), inner_(std::move(inner)) {}

    void on_iteration(const engine::IterationRecord& r) override {
        if (records_.size() < kMaxIterations) records_.push_back(r);
        if (inner_) inner_->on_iteration(r);
    }
    void on_epoch(const engine::EpochRecord& e) override {
        epochs_.push_back(e);
        if (inner_) inner_->on_epoch(e);
    }
    void on_knob_change(const engine::KnobChange& k) override {
        knobs_.push_back({k.time_ns, k.iteration, k.knob, k.old_value, k.new_value});
        if (inner_) inner_->on_knob_change(k);
    }
    void on_compute_profile(std::span<const profiler::ComputePoint> p) override {
        compute_profile_.assign(p.begin(), p.end());
        if (inner_) inner_->on_compute_profile(p);
    }
    void on_end(engine::RunState state, const std::string& message) override {
        write_all();
        if (inner_) inner_->on_end(state, message);
    }
    void on_events(std::span<const Event> events) override {
        if (!opts_.trace_json.empty() || !opts_.summary.empty()) events_.append(events);
        if (inner_) inner_->on_events(events);
    }
    void on_device_records(std::span<const profiler::GpuActivity> records) override {
        if (inner_) inner_->on_device_records(records);  // the session keeps them by name
    }
    void on_device(const engine::DeviceView& d) override {
        device_ = d;
        if (inner_) inner_->on_device(d);
    }

private:
    bool gpu_run() const { return analysis::is_gpu_backend(cfg_.backend); }

    // Whole or not at all (profiler/output_file.h); a failure is said and fails the command.
    template <class F>
    void write(const std::string& path, F&& f) {
        if (path.empty()) return;
        try {
            profiler::write_output_file(path, f);
        } catch (const profiler::OutputFileError& e) {
            std::cerr << "batchscope-cli train: cannot write " << e.what() << "\n";
            opts_.failures->push_back(e.what());
        }
    }

    profiler::RunSummaryInput summary_input(std::span<const profiler::IterationSample> its,
                                            const profiler::LoaderOverlap& loader,
                                            const profiler::GpuUtilization* gpu) const {
        profiler::RunSummaryInput in;
        in.title = "Batchscope training run";
        in.facts = {{"model", cfg_.model + ", " + cfg_.optimizer + (cfg_.backend == "cuda" ? " (CUDA)" : " (CPU)")},
                    {"dataset", std::string(engine::to_string(cfg_.dataset)) + (cfg_.data_dir.empty() ? "" : " " + cfg_.data_dir)},
                    {"knobs at start", "batch " + std::to_string(cfg_.batch_size) + ", prefetch " +
                                           std::to_string(cfg_.prefetch_depth) + ", workers " + std::to_string(cfg_.workers)}};
        if (!epochs_.empty() && epochs_.back().test_accuracy >= 0) {
            char acc[32];
            std::snprintf(acc, sizeof acc, "%.2f%%", epochs_.back().test_accuracy * 100.0);
            in.facts.emplace_back("test accuracy after epoch " + std::to_string(epochs_.back().epoch), acc);
        }
        in.iterations = its;
        in.knob_changes = knobs_;
        engine::VerdictSetting setting = engine::VerdictSetting::of(cfg_);  // the knobs in effect at the end
        for (const profiler::KnobMarker& k : knobs_) setting.apply(k.knob, k.new_value);
        setting.compute_profile = compute_profile_;
        const size_t window = std::min<size_t>(records_.size(), static_cast<size_t>(in.verdict_window));
        in.context = engine::verdict_context(setting, std::span<const engine::IterationRecord>(records_).last(window));
        in.loader = &loader;
        in.gpu = gpu;  // GPU runs whose stream lanes were traced (CUPTI)
        in.kernels = device_.kernels;  // GPU runs with CUPTI
        in.copies = device_.copies;
        in.dropped_gpu_records = device_.cupti_dropped;
        return in;
    }

    void write_all() {
        std::vector<profiler::IterationSample> its;
        its.reserve(records_.size());
        std::vector<Event> events = events_.events();  // the run's own raw events
        const bool rebuilt = events.empty();
        for (const engine::IterationRecord& r : records_) {
            its.push_back(to_sample(r));
            if (rebuilt) append_events(r, gpu_run(), events);
        }
        if (!opts_.trace_json.empty() && events_.evicted() > 0)
            std::cerr << "batchscope-cli train: the trace holds the newest " << events_.size() << " events; the "
                      << events_.evicted() << " before them were left out\n";
        write(opts_.csv, [&](std::ostream& o) { analysis::write_iteration_csv(o, its); });
        std::vector<profiler::TraceDevice> devices;
        if (gpu_run()) devices.push_back({0, device_.name.empty() ? std::string("GPU") : device_.name, device_.memory_total});
        write(opts_.trace_json, [&](std::ostream& o) {
            profiler::ChromeTraceInput in;
            in.events = events;
            in.knob_changes = knobs_;
            in.process_name = "batchscope-cli train";
            in.devices = devices;
            profiler::write_chrome_trace(o, in);
        });
        const profiler::LoaderOverlap loader = profiler::loader_overlap(events);
        profiler::GpuUtilization gpu;
        const bool gpu_lanes = !records_.empty() && std::any_of(events.begin(), events.end(), [](const Event& e) {
            return profiler::is_stream_lane(e.lane);
        });
        if (gpu_lanes) gpu = profiler::gpu_utilization(events, records_.front().start_ns, records_.back().end_ns);
        write(opts_.summary, [&](std::ostream& o) {
            o << profiler::markdown_summary(summary_input(its, loader, gpu_lanes ? &gpu : nullptr));
        });
    }

    ExportOptions opts_;
    engine::TrainConfig cfg_;
    std::shared_ptr<engine::RunSink> inner_;
    std::vector<engine::IterationRecord> records_;
    std::vector<engine::EpochRecord> epochs_;
    std::vector<profiler::KnobMarker> knobs_;
    profiler::EventStore events_{kMaxTraceEvents};
    engine::DeviceView device_;
    std::vector<profiler::ComputePoint> compute_profile_;  // the forward passes the run timed (the verdict)
};

}  // namespace

std::vector<std::string> ExportOptions::unwritable() const {
    std::vector<std::string> out;
    for (const std::string* p : {&trace_json, &csv, &summary})
        if (!p->empty())
            if (std::string why = profiler::check_output_path(*p); !why.empty()) out.push_back(why);
    return out;
}

std::shared_ptr<ExportOptions> add_export_options(CLI::App& cmd) {
    auto o = std::make_shared<ExportOptions>();
    cmd.add_option("--trace-json", o->trace_json, "Write a Chrome trace (Perfetto, chrome://tracing) of the run to FILE");
    cmd.add_option("--csv", o->csv, "Write one CSV row per iteration to FILE");
    cmd.add_option("--summary", o->summary, "Write a Markdown summary (breakdown, verdict, advice) to FILE");
    return o;
}

std::shared_ptr<engine::RunSink> export_sink(const ExportOptions& opts, const engine::TrainConfig& cfg,
                                             std::shared_ptr<engine::RunSink> inner) {
    if (!opts.any()) return inner;
    return std::make_shared<ExportSink>(opts, cfg, std::move(inner));
}

}  // namespace batchscope::cli
