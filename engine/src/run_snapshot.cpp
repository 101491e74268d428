#include "batchscope/engine/run_snapshot.h"

namespace batchscope::engine {

const char* to_string(RunState s) noexcept {
    switch (s) {
        case RunState::Idle: return "idle";
        case RunState::Loading: return "loading data";
        case RunState::Running: return "running";
        case RunState::Paused: return "paused";
        case RunState::Finished: return "finished";
        case RunState::Stopped: return "stopped";
        case RunState::Failed: return "failed";
    }
    return "?";
}

}  // namespace batchscope::engine
