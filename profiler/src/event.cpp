#include "batchscope/profiler/event.h"

namespace batchscope::profiler {

std::string_view phase_name(Phase p) noexcept {
    switch (p) {
        case Phase::DataWait: return "data wait";
        case Phase::H2D: return "h2d";
        case Phase::Compute: return "compute";
        case Phase::D2H: return "d2h";
        case Phase::Host: return "host";
        case Phase::Load: return "load";
        case Phase::Iteration: return "iteration";
        case Phase::Evaluate: return "evaluate";
        case Phase::ReadPhase: return "read";
        case Phase::Decode: return "decode";
        case Phase::Augment: return "augment";
        case Phase::Collate: return "collate";
        case Phase::Request: return "request";
        case Phase::QueueWait: return "queue wait";
        case Phase::Batch: return "batch";
    }
    return "?";
}

}  // namespace batchscope::profiler
