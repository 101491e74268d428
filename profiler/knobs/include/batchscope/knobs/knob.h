#pragma once
// The knobs of a training run and of an inference run, in one typed list: each knob's name (the
// key of the saved configuration and of a knob change, unchanged so saved sessions still read),
// words for people, unit, allowed range, help text, command-line flag, and whether it can be
// turned while the run goes on. The engine validates against it, batchscope-cli and the
// dashboard build their options and controls from it, the session store and the verdict name
// knobs by it. Adding a knob: a row here, then its use.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace batchscope::knobs {

enum class Knob : uint8_t {
    // Training.
    BatchSize = 0,
    PrefetchDepth,
    Workers,
    StorageProfile,  // a data::StorageKind (engine/data/storage_profile.h)
    PinnedMemory,    // 0/1: page-locked batch buffers (GPU)
    Threads,
    // Inference.
    Rate,
    Concurrency,
    MaxBatch,
    QueueDelayUs,
};
inline constexpr int kKnobCount = 10;

enum class RunKind : uint8_t { Train, Infer };

struct KnobInfo {
    Knob knob;
    RunKind run;
    std::string_view name;        // knob-change name and, unless config_key says otherwise, config key
    std::string_view config_key;  // key in a session's configuration ("storage" holds the profile's id)
    std::string_view label;       // "prefetch depth": in sentences and advice
    std::string_view short_label; // "prefetch": in chart markers and status lines
    std::string_view unit;        // "samples", "batches", "threads", "requests/s", "µs", "" (none)
    double min;                   // inclusive range; an enumerated knob (storage) checks its own list
    double max;
    std::string_view range_hint;  // after the range in an error: " (0 = no prefetch)"
    std::string_view help;        // one line for --help and tooltips
    std::string_view cli_flag;    // CLI11 names: "-p,--prefetch"; empty: no flag of its own
    bool live;                    // can change while the run goes on
    bool enumerated;              // the range is a list of names elsewhere (storage profiles)
};

// Rows in the order of Knob.
inline constexpr KnobInfo kKnobs[kKnobCount] = {
    {Knob::BatchSize, RunKind::Train, "batch_size", "batch_size", "batch size", "batch", "samples", 1, 8192, "",
     "Samples per training step", "-b,--batch", true, false},
    {Knob::PrefetchDepth, RunKind::Train, "prefetch_depth", "prefetch_depth", "prefetch depth", "prefetch", "batches", 0, 64,
     " batches (0 = no prefetch)", "Prefetch depth: batches built ahead of the trainer", "-p,--prefetch", true, false},
    {Knob::Workers, RunKind::Train, "workers", "workers", "loader workers", "workers", "threads", 0, 16,
     " (0 = load in the training thread)", "Loader worker threads (0 = load in the training thread)", "-w,--workers",
     true, false},
    {Knob::StorageProfile, RunKind::Train, "storage_profile", "storage", "storage profile", "storage", "", 0, 0, "",
     "Storage the samples are read through (emulated profiles are labelled so)", "--storage", true, true},
    {Knob::PinnedMemory, RunKind::Train, "pinned_memory", "pinned_memory", "page-locked buffers", "pinned", "", 0, 1, "",
     "Page-locked batch buffers for the copies to the GPU", "", false, false},
    {Knob::Threads, RunKind::Train, "threads", "threads", "BLAS threads", "threads", "threads", 1, 64, "",
     "BLAS threads for compute", "-t,--threads", false, false},
    {Knob::Rate, RunKind::Infer, "rate", "rate", "rate", "rate", "requests/s", 1, 10'000'000, "",
     "Open loop: requests per second", "--rate", true, false},
    {Knob::Concurrency, RunKind::Infer, "concurrency", "concurrency", "concurrency", "concurrency", "requests", 1, 4096, "",
     "Closed loop: requests outstanding", "--concurrency", true, false},
    {Knob::MaxBatch, RunKind::Infer, "max_batch", "max_batch", "max batch", "max batch", "requests", 1, 256, "",
     "Dynamic batcher: largest batch", "--max-batch", true, false},
    {Knob::QueueDelayUs, RunKind::Infer, "queue_delay_us", "queue_delay_us", "queue delay", "queue delay", "µs", 0, 1'000'000,
     "", "Dynamic batcher: longest wait for a fuller batch", "--queue-delay-us", true, false},
};

constexpr const KnobInfo& info(Knob k) noexcept { return kKnobs[static_cast<int>(k)]; }
constexpr std::span<const KnobInfo> all() noexcept { return kKnobs; }

// By knob-change name ("storage_profile").
std::optional<Knob> from_name(std::string_view name) noexcept;
// By key of a session's configuration ("storage").
std::optional<Knob> from_config_key(std::string_view key) noexcept;

// A knob that can change while its run goes on.
bool is_live(std::string_view name) noexcept;

// Constexpr range ends as ints, for limits known at compile time.
constexpr int min_int(Knob k) noexcept { return static_cast<int>(info(k).min); }
constexpr int max_int(Knob k) noexcept { return static_cast<int>(info(k).max); }

// "batch size 0 is out of range: use 1 to 8192"; empty when in range. Not for enumerated knobs.
std::string range_error(Knob k, int64_t value);

// Words for a knob name: the registry's label, else the name with spaces for underscores.
std::string label_of(std::string_view name);
// The short label ("prefetch"), else the name as it is.
std::string short_label_of(std::string_view name);

}  // namespace batchscope::knobs
