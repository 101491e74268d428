#include "cli_export.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <span>
#include <thread>
#include <iostream>
#include <vector>

#include "batchscope/profiler/chrome_trace.h"
#include "batchscope/profiler/csv_export.h"
#include "batchscope/profiler/loader_overlap.h"
#include "batchscope/profiler/run_summary.h"

namespace batchscope::cli {
namespace {

using profiler::Event;
using profiler::Lane;
using profiler::LaneKind;
using profiler::Phase;

constexpr size_t kMaxIterations = 2'000'000;  // ~300 MB of records: beyond it, the exports stop growing

profiler::IterationSample to_sample(const engine::IterationRecord& r) {
    return {r.iteration, r.epoch, r.batch_size, r.start_ns, r.end_ns, r.breakdown, r.loss, r.queue_depth};
}

Event event(Phase p, int64_t s, int64_t e, Lane lane, int64_t id) { return profiler::make_event(p, s, e, lane, id); }

// The run hands its sinks records, not raw events; the CPU controller runs an iteration's phases
// in the order data wait → h2d → compute → d2h → host, and each record carries its batch's build
// (worker, interval, parts laid end to end), so the timeline is rebuilt from the records.
void append_events(const engine::IterationRecord& r, std::vector<Event>& out) {
    const Lane ctl{LaneKind::Controller, 0};
    out.push_back(event(Phase::Iteration, r.start_ns, r.end_ns, ctl, r.iteration));
    int64_t t = r.start_ns;
    for (auto [phase, ns] : {std::pair{Phase::DataWait, r.breakdown.data_wait_ns}, {Phase::H2D, r.breakdown.h2d_ns},
                             {Phase::Compute, r.breakdown.compute_ns}, {Phase::D2H, r.breakdown.d2h_ns}}) {
        if (ns > 0) out.push_back(event(phase, t, t + ns, ctl, r.iteration));
        t += ns;
    }
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
    void on_end(engine::RunState state, const std::string& message) override {
        write_all();
        if (inner_) inner_->on_end(state, message);
    }

private:
    template <class F>
    void write(const std::string& path, F&& f) {
        if (path.empty()) return;
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        if (out) f(out);
        if (!out) std::cerr << "batchscope-cli train: cannot write " << path << "\n";
    }

    profiler::RunSummaryInput summary_input(std::span<const profiler::IterationSample> its,
                                            const profiler::LoaderOverlap& loader) const {
        profiler::RunSummaryInput in;
        in.title = "Batchscope training run";
        in.facts = {{"model", cfg_.model + ", " + cfg_.optimizer + " (CPU)"},
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
        in.context.batch_size = cfg_.batch_size;
        in.context.prefetch_depth = cfg_.prefetch_depth;
        in.context.workers = cfg_.workers;
        for (const profiler::KnobMarker& k : knobs_) {  // the knobs in effect at the end
            int* v = k.knob == "batch_size"       ? &in.context.batch_size
                     : k.knob == "prefetch_depth" ? &in.context.prefetch_depth
                     : k.knob == "workers"        ? &in.context.workers
                                                  : nullptr;
            if (v) *v = static_cast<int>(k.new_value);
        }
        in.context.max_batch = engine::KnobLimits::kMaxBatch;
        in.context.max_prefetch = engine::KnobLimits::kMaxPrefetch;
        in.context.max_workers = engine::KnobLimits::kMaxWorkers;
        in.context.cpu_cores = static_cast<int>(std::thread::hardware_concurrency());
        const size_t window = std::min<size_t>(records_.size(), static_cast<size_t>(in.verdict_window));
        for (size_t i = records_.size() - window; i < records_.size(); ++i) {
            const engine::BatchTimes& b = records_[i].load;
            if (b.end_ns > b.start_ns) {
                in.context.loader_busy_ns += b.end_ns - b.start_ns;
                ++in.context.batches_loaded;
            }
        }
        in.loader = &loader;
        return in;
    }

    void write_all() {
        std::vector<profiler::IterationSample> its;
        its.reserve(records_.size());
        std::vector<Event> events;
        for (const engine::IterationRecord& r : records_) {
            its.push_back(to_sample(r));
            append_events(r, events);
        }
        write(opts_.csv, [&](std::ostream& o) { profiler::write_iteration_csv(o, its); });
        write(opts_.trace_json, [&](std::ostream& o) {
            profiler::write_chrome_trace(o, {events, {}, knobs_, "batchscope-cli train", -1});
        });
        const profiler::LoaderOverlap loader = profiler::loader_overlap(events);
        write(opts_.summary, [&](std::ostream& o) { o << profiler::markdown_summary(summary_input(its, loader)); });
    }

    ExportOptions opts_;
    engine::TrainConfig cfg_;
    std::shared_ptr<engine::RunSink> inner_;
    std::vector<engine::IterationRecord> records_;
    std::vector<engine::EpochRecord> epochs_;
    std::vector<profiler::KnobMarker> knobs_;
};

}  // namespace

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
