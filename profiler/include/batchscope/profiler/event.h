#pragma once
// The one event model of docs/ARCHITECTURE.md: every phase is an interval on one clock.
#include <cstdint>
#include <string_view>

namespace batchscope::profiler {

// What an interval was spent on. The first five are the parts of an iteration's breakdown.
enum class Phase : uint8_t {
    DataWait = 0,  // training loop blocked on the prefetch queue (exposed loading)
    H2D,           // batch copied to the compute buffer / device
    Compute,       // forward + backward + optimizer step
    D2H,           // loss / outputs copied back
    Host,          // other host work (bookkeeping)
    Load,          // a loader worker building one batch (read + convert + collate)
    Iteration,     // a whole training iteration, on the controller lane
    Evaluate,      // test-set evaluation after an epoch
    // The parts of a Load, per batch: each is the sum over the batch's samples, and the four are
    // laid end to end from the Load's start (their sum never exceeds the Load).
    ReadPhase,     // reading the samples' stored bytes (through the storage profile)
    Decode,        // decoding them (JPEG, PNG; nothing for raw samples)
    Augment,       // crop, resize, flip
    Collate,       // conversion to float (and normalisation) into the batch buffer
    // Inference (lanes Server and Requests): a request from its scheduled arrival to its response,
    // the part of it spent waiting in the dynamic batcher (from the scheduled arrival, so the
    // generator's lateness is in it), and one batch served.
    Request,
    QueueWait,
    Batch,
};
inline constexpr int kPhaseCount = 15;

std::string_view phase_name(Phase p) noexcept;

// Server: an inference run's server thread (its batches; their phases on the CPU backend).
// Requests: per-request intervals of an inference run (id = request id); they overlap one
// another, so exports draw them as async slices rather than on one thread.
enum class LaneKind : uint8_t { Controller = 0, LoaderWorker, CopyStream, ComputeStream, Server, Requests };
inline constexpr int kLaneKindCount = 6;

// Where an interval ran: the controller thread, loader worker k, a GPU stream, the inference
// server, the requests.
struct Lane {
    LaneKind kind = LaneKind::Controller;
    uint8_t index = 0;
    friend bool operator==(Lane, Lane) = default;
};

struct Event {
    int64_t start_ns = 0;
    int64_t end_ns = 0;
    int64_t id = -1;     // iteration (or batch sequence / request) this interval belongs to
    uint32_t bytes = 0;  // bytes moved, where that means something
    Phase phase = Phase::Host;
    Lane lane{};
    // GPU work: 1 + the Phase its launch was tagged with (CUPTI external correlation), which can
    // differ from `phase` (a loss read back in the middle of a step is a D2H copy tagged Compute);
    // 0 when untagged, and for host events.
    uint8_t tag = 0;

    int64_t duration_ns() const noexcept { return end_ns - start_ns; }
};
static_assert(sizeof(Event) == 32, "events stay small: millions of them are kept and scanned");

inline bool tagged_as(const Event& e, Phase p) noexcept { return e.tag == 1 + static_cast<uint8_t>(p); }

inline Event make_event(Phase phase, int64_t start_ns, int64_t end_ns, Lane lane = {}, int64_t id = -1,
                        uint32_t bytes = 0) noexcept {
    Event e;
    e.start_ns = start_ns;
    e.end_ns = end_ns;
    e.id = id;
    e.bytes = bytes;
    e.phase = phase;
    e.lane = lane;
    return e;
}

}  // namespace batchscope::profiler
