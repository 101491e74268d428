#include "batchscope/engine/data/storage.h"

#include <sys/prctl.h>
#include <time.h>

#include <algorithm>

#include "batchscope/profiler/clock.h"

namespace batchscope::engine::data {
namespace {

constexpr int64_t kCancelSliceNs = 2'000'000;  // check for cancellation every 2 ms
constexpr unsigned long kTimerSlackNs = 1'000;  // default is 50 us: too coarse for 80 us reads
// A wake-up later than its deadline (timer resolution, a busy machine) is credited to the
// thread's next read, so that the emulated device keeps its modelled rate on average; at most
// this much, so that a long stall does not turn into a burst.
constexpr int64_t kMaxLateCreditNs = 2'000'000;
thread_local int64_t t_late_ns = 0;

}  // namespace

void sleep_until_ns(int64_t deadline_ns, const std::atomic<bool>* cancel) {
    thread_local bool slack_set = false;
    if (!slack_set) {
        prctl(PR_SET_TIMERSLACK, kTimerSlackNs, 0, 0, 0);
        slack_set = true;
    }
    for (;;) {
        const int64_t now = profiler::now_ns();
        if (now >= deadline_ns || (cancel && cancel->load(std::memory_order_relaxed))) return;
        // profiler::now_ns() is steady_clock, which is CLOCK_MONOTONIC on Linux.
        const int64_t until = std::min(deadline_ns, now + kCancelSliceNs);
        timespec ts{};
        ts.tv_sec = static_cast<time_t>(until / 1'000'000'000);
        ts.tv_nsec = static_cast<long>(until % 1'000'000'000);
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    }
}

Storage::Storage(StorageKind k) : kind_(StorageKind::PageCache) { set_profile(k); }

void Storage::set_profile(StorageKind k) {
    std::lock_guard lock(m_);
    const StorageProfile& p = storage_profile(k);
    model_ = p.emulated ? std::make_unique<DeviceModel>(p) : nullptr;
    reads_ = 0;
    kind_.store(p.kind, std::memory_order_relaxed);
}

int64_t Storage::charge(int64_t issued_ns, uint64_t file_id, uint64_t offset, uint64_t bytes,
                        const std::atomic<bool>* cancel) {
    if (!emulated()) return issued_ns;
    int64_t done = issued_ns;
    const int64_t issued = issued_ns - std::min(t_late_ns, kMaxLateCreditNs);
    {
        std::lock_guard lock(m_);
        if (!model_) return issued_ns;  // switched to a real profile meanwhile
        done = model_->submit(issued, file_id, offset, bytes);
        ++reads_;
    }
    sleep_until_ns(done, cancel);
    t_late_ns = std::max<int64_t>(0, profiler::now_ns() - done);
    return done;
}

int64_t Storage::emulated_reads() const {
    std::lock_guard lock(m_);
    return reads_;
}

int64_t Storage::emulated_seeks() const {
    std::lock_guard lock(m_);
    return model_ ? model_->seeks() : 0;
}

}  // namespace batchscope::engine::data
