#include "batchscope/engine/session_sink.h"

#include <thread>
#include <fstream>
#include <nlohmann/json.hpp>

#include "batchscope/engine/gpu_probe.h"
#include "batchscope/knobs/knob.h"
#include "batchscope/engine/library_versions.h"
#include "batchscope/engine/mlp.h"
#include "batchscope/profiler/breakdown.h"
#include "batchscope/profiler/tsc_clock.h"
#include "batchscope/profiler/verdict.h"
#include "batchscope/store/session_recorder.h"
#include "../session_event_rows.h"

namespace batchscope::engine {

std::string environment_json() {
    nlohmann::json j;
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);)
        if (line.rfind("model name", 0) == 0) {
            j["cpu"] = line.substr(line.find(':') + 2);
            break;
        }
    j["cores"] = std::thread::hardware_concurrency();
    j["blas"] = blas_description();
    const GpuProbeResult gpu = probe_gpu();
    j["gpu"] = gpu.usable ? gpu.device_name : "";
    j["gpu_status"] = gpu.usable ? gpu.summary() : gpu.reason;
    j["cuda_driver"] = gpu.driver_version;
    j["cuda_runtime"] = gpu.runtime_version;
    j["cupti_version"] = gpu.cupti_version;  // the CUPTI API version; 0 without the plugin or before CUPTI was loaded
    j["host_clock"] = profiler::host_clock_info().description;  // what trace scopes read
    j["compiler"] = __VERSION__;
    for (const auto& [lib, version] : library_versions()) j["lib_" + lib] = version;
    j["batchscope"] = "0.1.0";
    return j.dump();
}

// A knob's key in the saved configuration (knobs/knob.h): unchanged, so saved sessions still read.
std::string key(knobs::Knob k) { return std::string(knobs::info(k).config_key); }

std::string config_json(const TrainConfig& c) {
    nlohmann::json j = {{"mode", "train"},
                        {"model", c.model},
                        {"optimizer", c.optimizer},
                        {"lr_schedule", c.lr_schedule},
                        {"weight_decay", c.weight_decay},
                        {"scale_lr_with_batch", c.scale_lr_with_batch},
                        {"backend", "cpu"},
                        {key(knobs::Knob::BatchSize), c.batch_size},
                        {key(knobs::Knob::PrefetchDepth), c.prefetch_depth},
                        {key(knobs::Knob::Workers), c.workers},
                        {"epochs", c.epochs},
                        {"seed", c.seed},
                        {"learning_rate", c.learning_rate},
                        {"momentum", c.momentum},
                        {key(knobs::Knob::Threads), c.threads},
                        {"train_limit", c.train_limit},
                        {"test_limit", c.test_limit},
                        {"trace", c.trace},
                        {"dataset", to_string(c.dataset)},
                        {key(knobs::Knob::StorageProfile), data::storage_profile(c.storage).id},
                        {"storage_emulated", data::storage_profile(c.storage).emulated},
                        {"image_size", c.image_size},
                        {"random_crop", c.random_crop},
                        {"flip", c.flip},
                        {"normalize", c.normalize},
                        {"drop_last", c.drop_last},
                        {"shuffle", c.shuffle},
                        {"rank", c.rank},
                        {"world_size", c.world_size},
                        {"uint8_batches", c.uint8_batches},
                        {"pinned_memory", c.pinned_memory}};
    return j.dump();
}

struct SessionSinkMeta {
    store::SessionMeta meta;
};

SessionSink::SessionSink(const std::string& db_path, const TrainConfig& config, const std::string& name, Open when,
                         std::vector<std::string> tags)
    : db_path_(db_path), meta_(std::make_unique<SessionSinkMeta>()), saved_rows_(std::make_unique<SavedEventRows>()) {
    store::SessionMeta& m = meta_->meta;
    m.name = name.empty() ? "train " + config.model + " batch " + std::to_string(config.batch_size) + ", prefetch " +
                                std::to_string(config.prefetch_depth) + ", workers " + std::to_string(config.workers)
                          : name;
    m.mode = "train";
    m.model = config.model;
    m.dataset = config.dataset == DatasetKind::ImageFolder ? "image folder " + config.data_dir : "Fashion-MNIST";
    m.backend = "cpu";
    const data::StorageProfile& storage = data::storage_profile(config.storage);
    m.storage = storage.name;  // emulated profiles say so in their name
    m.emulated = storage.emulated;
    m.config_json = config_json(config);
    m.env_json = environment_json();
    m.tags = std::move(tags);
    setting_ = VerdictSetting::of(config);
    if (when == Open::Now) {
        rec_ = std::make_unique<store::SessionRecorder>(db_path, m);
        id_ = rec_->session_id();
    }
}

SessionSink::~SessionSink() = default;

store::SessionRecorder* SessionSink::recorder() {
    if (rec_ || open_failed_) return rec_.get();
    try {
        rec_ = std::make_unique<store::SessionRecorder>(db_path_, meta_->meta);
        id_ = rec_->session_id();
    } catch (const std::exception& e) {
        open_failed_ = true;
        std::lock_guard lock(error_m_);
        error_ = e.what();
    }
    return rec_.get();
}

int64_t SessionSink::session_id() const { return id_.load(); }
uint64_t SessionSink::dropped() const { return id_.load() ? rec_->dropped() : 0; }
std::string SessionSink::error() const {
    std::lock_guard lock(error_m_);
    return error_;
}

void SessionSink::on_iteration(const IterationRecord& r) {
    store::IterationRow row;
    row.iteration = r.iteration;
    row.epoch = r.epoch;
    row.batch_size = r.batch_size;
    row.start_ns = r.start_ns;
    profiler::copy_parts(r.breakdown, row);
    row.loss = r.loss;
    row.queue_depth = r.queue_depth;
    if (auto* rec = recorder()) rec->add(row);

    if (window_.first < 0) {
        window_.first = r.iteration;
        window_.start_ns = r.start_ns;
    }
    window_.last = r.iteration;
    window_.end_ns = r.end_ns;
    window_.samples += r.batch_size;
    window_.total += r.breakdown;
    window_.records.push_back(r);
    if (window_.end_ns - window_.start_ns >= kVerdictWindowNs) close_window();
}

void SessionSink::close_window() {
    if (window_.first < 0) return;
    profiler::WindowSummary w;
    w.first_iteration = window_.first;
    w.last_iteration = window_.last;
    w.iterations = window_.last - window_.first + 1;
    w.samples = window_.samples;
    w.total = window_.total;
    const std::vector<IterationRecord> records = std::move(window_.records);
    window_ = Window{};
    if (w.empty()) return;
    const profiler::Verdict v = profiler::judge(w, verdict_context(setting_, records));
    store::VerdictRow row;
    row.first_iteration = w.first_iteration;
    row.last_iteration = w.last_iteration;
    row.verdict = std::string(profiler::bottleneck_name(v.bottleneck));
    row.advice = v.headline;
    // The prediction is kept in the text (no schema change): "… — expected: step 4.10 ms, …".
    for (const profiler::Advice& a : v.advice)
        row.advice += "\n" + a.text + (a.expected.valid() ? " — expected: " + profiler::describe(a.expected) : std::string());
    if (!v.note.empty()) row.advice += "\n" + v.note;
    if (applied_) {  // the window after an applied advice: what it predicted against what this window measured
        row.advice += "\nadvice applied (" + profiler::describe(applied_->marker()) +
                      "): " + profiler::check_prediction(applied_->expected, w).text;
        applied_.reset();
    }
    last_advice_ = v.advice;
    if (auto* rec = recorder()) {
        rec->add(row);
        verdicts_.fetch_add(1);
    }
}

void SessionSink::on_epoch(const EpochRecord& e) {
    if (auto* rec = recorder()) rec->add(store::EpochRow{e.epoch, e.train_loss, e.test_accuracy, e.samples_per_s, e.steady_samples_per_s,
                              e.wall_s, e.samples, e.iterations});
}

void SessionSink::on_knob_change(const KnobChange& k) {
    close_window();  // the knobs of a window are one setting
    setting_.apply(k.knob, k.new_value);
    applied_.reset();
    for (const profiler::Advice& a : last_advice_)
        if (a.knob_name() == k.knob && a.to == k.new_value && a.expected.valid()) applied_ = a;
    if (auto* rec = recorder()) rec->add(store::KnobRow{k.time_ns, k.iteration, k.knob, k.old_value, k.new_value});
}

void SessionSink::on_compute_profile(std::span<const profiler::ComputePoint> profile) {
    setting_.compute_profile.assign(profile.begin(), profile.end());
}

void SessionSink::on_events(std::span<const profiler::Event> events) {
    if (!save_events_) return;
    auto* rec = recorder();
    if (!rec) return;
    // Less the stream-lane events the device records gave as named rows (session_event_rows.h).
    if (const auto rows = saved_rows_->of_events(events); !rows.empty()) rec->add_events(rows);
}

void SessionSink::on_device_records(std::span<const profiler::GpuActivity> records) {
    if (!save_events_) return;
    auto* rec = recorder();
    if (!rec) return;
    // Bounded as the other events: what the writer's queue cannot take is dropped and counted
    // (events_dropped, stored with the session).
    if (const auto rows = saved_rows_->of_device_records(records); !rows.empty()) rec->add_events(rows);
}

uint64_t SessionSink::events_saved() const { return id_.load() ? rec_->events_written() : 0; }
uint64_t SessionSink::events_dropped() const { return id_.load() ? rec_->events_dropped() : 0; }

// The GPU trace's completeness, as session summary figures (cupti_*, device_*_ns).
void SessionSink::on_device(const DeviceView& d) {
    auto* rec = recorder();
    if (!rec || d.cupti_records == 0) return;
    rec->set_summary("cupti_records", static_cast<double>(d.cupti_records));
    rec->set_summary("cupti_dropped", static_cast<double>(d.cupti_dropped));
    rec->set_summary("cupti_bad_timestamps", static_cast<double>(d.cupti_bad_timestamps));
    rec->set_summary("cupti_unjoined", static_cast<double>(d.cupti_unjoined));
    rec->set_summary("device_attributed_ns", static_cast<double>(d.device_attributed_ns));
    rec->set_summary("device_unattributed_ns", static_cast<double>(d.device_unattributed_ns));
}

void SessionSink::on_end(RunState state, const std::string& message) {
    close_window();
    if (auto* rec = recorder()) rec->finish(to_string(state), message);
}

}  // namespace batchscope::engine
