#include "batchscope/engine/run_snapshot.h"

#include <cstdio>

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

std::string unattributed_note(const DeviceView& d) {
    const double share = d.unattributed_share();
    if (share <= kUnattributedNoteShare) return {};
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "%.1f%% of the GPU time inside the iterations (or served batches), %.1f ms, carried no id: it is in no "
                  "breakdown, so the GPU's parts are underestimated by as much (work launched where CUPTI wrote no "
                  "external id; the GPU lanes and the kernel table show it)",
                  100.0 * share, static_cast<double>(d.device_unattributed_ns) / 1e6);
    return buf;
}

}  // namespace batchscope::engine
