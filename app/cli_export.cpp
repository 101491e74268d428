#include "cli_export.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <span>
#include <thread>
#include <iostream>
#include <vector>

#include "batchscope/profiler/chrome_trace.h"
#include "batchscope/profiler/csv_export.h"
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

// Without raw events (a run with --no-trace) the timeline is rebuilt from the records: the CPU
// controller runs an iteration's phases in the order data wait → h2d → compute → d2h → host, and
// each record carries its batch's build (worker, interval, parts laid end to end).
void append_controller_events(int64_t iteration, int64_t start_ns, int64_t end_ns, const profiler::Breakdown& bd,
                              std::vector<Event>& out) {
    const Lane ctl{LaneKind::Controller, 0};
    out.push_back(event(Phase::Iteration, start_ns, end_ns, ctl, iteration));
    int64_t t = start_ns;
    for (auto [phase, ns] : {std::pair{Phase::DataWait, bd.data_wait_ns}, {Phase::H2D, bd.h2d_ns},
                             {Phase::Compute, bd.compute_ns}, {Phase::D2H, bd.d2h_ns}}) {
        if (ns > 0) out.push_back(event(phase, t, t + ns, ctl, iteration));
        t += ns;
    }
}

void append_events(const engine::IterationRecord& r, std::vector<Event>& out) {
    const Lane ctl{LaneKind::Controller, 0};
    append_controller_events(r.iteration, r.start_ns, r.end_ns, r.breakdown, out);
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
    void on_end(engine::RunState state, const std::string& message) override {
        write_all();
        if (inner_) inner_->on_end(state, message);
    }
    void on_events(std::span<const Event> events) override {
        if (!opts_.trace_json.empty() || !opts_.summary.empty()) events_.append(events);
        if (inner_) inner_->on_events(events);
    }
    void on_device(const engine::DeviceView& d) override {
        device_ = d;
        if (inner_) inner_->on_device(d);
    }

private:
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
            if (rebuilt) append_events(r, events);
        }
        if (!opts_.trace_json.empty() && events_.evicted() > 0)
            std::cerr << "batchscope-cli train: the trace holds the newest " << events_.size() << " events; the "
                      << events_.evicted() << " before them were left out\n";
        write(opts_.csv, [&](std::ostream& o) { profiler::write_iteration_csv(o, its); });
        write(opts_.trace_json, [&](std::ostream& o) {
            profiler::write_chrome_trace(o, {events, {}, knobs_, "batchscope-cli train", -1});
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
};

}  // namespace

void write_session_chrome_trace(store::SessionStore& s, int64_t id, std::ostream& out) {
    const auto info = s.info(id);
    if (!info) throw store::StoreError(std::string("no session ") + std::to_string(id) + " in " + s.path());
    std::vector<Event> events;
    size_t bad = 0;
    for (const store::EventRow& r : s.events(id)) {
        if (r.phase < 0 || r.phase >= profiler::kPhaseCount || r.lane_kind < 0 ||
            r.lane_kind >= profiler::kLaneKindCount || r.lane_index < 0 ||
            r.lane_index > 255 || r.end_ns < r.start_ns || r.bytes < 0 || r.bytes > UINT32_MAX) {
            ++bad;
            continue;
        }
        events.push_back(event(static_cast<Phase>(r.phase), r.start_ns, r.end_ns,
                               {static_cast<LaneKind>(r.lane_kind), static_cast<uint8_t>(r.lane_index)}, r.id));
        events.back().bytes = static_cast<uint32_t>(r.bytes);
    }
    if (bad)
        std::cerr << "batchscope-cli sessions: " << bad << " stored event row(s) of session " << id
                  << " are not events of this version (unknown phase or lane, or negative length) and were left out\n";
    if (events.empty() && info->mode == "infer") {
        // An inference stream saved without its events: each request from its row, its phases laid
        // end to end from its batch's start (exact on the CPU; on the GPU the launches are left out).
        const std::vector<store::RequestRow> rows = s.requests(id);
        const Lane requests{LaneKind::Requests, 0};
        for (const store::RequestRow& r : rows) {
            const int64_t start = r.scheduled_ns + r.queue_ns, done = r.scheduled_ns + r.latency_ns;
            events.push_back(event(Phase::Request, r.scheduled_ns, done, requests, r.request_id));
            events.push_back(event(Phase::QueueWait, r.scheduled_ns, start, requests, r.request_id));
            int64_t t = start;
            for (auto [phase, ns] :
                 {std::pair{Phase::H2D, r.h2d_ns}, {Phase::Compute, r.compute_ns}, {Phase::D2H, r.d2h_ns}}) {
                events.push_back(event(phase, std::min(t, done), std::min(t + ns, done), requests, r.request_id));
                t += ns;
            }
        }
        if (!rows.empty())
            std::cerr << "batchscope-cli sessions: session " << id
                      << " has no stored trace events (record them with `infer --save-events`): the trace is rebuilt "
                         "from its "
                      << rows.size() << " request rows, requests only, phases laid end to end from each batch's start\n";
    }
    if (events.empty()) {
        const std::vector<store::IterationRow> its = s.iterations(id);
        if (its.empty())
            throw store::StoreError(std::string("session ") + std::to_string(id) +
                                    " has neither stored trace events nor iterations or requests to build a Chrome "
                                    "trace from");
        for (const store::IterationRow& r : its) {
            profiler::Breakdown bd;
            bd.wall_ns = r.wall_ns;
            bd.data_wait_ns = r.data_wait_ns;
            bd.h2d_ns = r.h2d_ns;
            bd.compute_ns = r.compute_ns;
            bd.d2h_ns = r.d2h_ns;
            bd.host_ns = r.host_ns;
            append_controller_events(r.iteration, r.start_ns, r.start_ns + r.wall_ns, bd, events);
        }
        std::cerr << "batchscope-cli sessions: session " << id
                  << " has no stored trace events (record them with `train --save-events`): the trace is rebuilt from its "
                  << its.size() << " iteration rows, controller lane only\n";
    }
    std::vector<profiler::KnobMarker> knobs;
    for (const store::KnobRow& k : s.knob_changes(id)) knobs.push_back({k.t_ns, k.iteration, k.knob, k.old_value, k.new_value});
    const std::string process = std::string("batchscope session ") + std::to_string(id) + ": " + info->name;
    profiler::write_chrome_trace(out, {events, {}, knobs, process, -1});
}

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
