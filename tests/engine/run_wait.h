#pragma once
// Polls a run's snapshots until a condition holds or a timeout passes (for engine tests).
#include <chrono>
#include <memory>
#include <thread>

#include "batchscope/engine/training_run.h"

namespace bs_test {

template <class P>
std::shared_ptr<const batchscope::engine::RunSnapshot> wait_for(const batchscope::engine::TrainingRun& r, P pred,
                                                                std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    auto s = r.snapshot();
    while (!pred(*s) && std::chrono::steady_clock::now() < end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        s = r.snapshot();
    }
    return s;
}

}  // namespace bs_test
