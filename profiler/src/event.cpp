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
    }
    return "?";
}

}  // namespace batchscope::profiler
