#pragma once
// The one clock of a session: std::chrono::steady_clock in nanoseconds.
#include <chrono>
#include <cstdint>

namespace batchscope::profiler {

inline int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace batchscope::profiler
