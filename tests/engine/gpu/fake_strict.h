#pragma once
// The fake compute plugin's strict mode (BS_FAKE_STRICT=<seed>): EMULATED asynchronous streams,
// so that the bugs a synchronous fake hides fail the tests here. Each stream (compute, copy) runs
// its work on a thread of its own, in order, each piece after a random delay (seeded: the same
// seed gives the same delays); events note the time their stream reached them, and waits really
// order one stream after another's event; a host or device synchronisation waits for the work.
// What the plugin checks with it (fake_compute_plugin.cpp): page-locked host memory changed before
// the upload that reads it ran, device memory freed while queued work still uses it, a pinned
// read-back read before it completed (the destination holds NaN until then), events read before
// they completed. A violation is sticky: every later call of the context fails with it, as a CUDA
// context does after an illegal access. BS_FAKE_STRICT_DELAY_US (default 300): the longest delay.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace fake_strict {

inline int64_t host_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// An event: recorded (queued) and completed (its stream reached it) generations, and when.
struct Event {
    uint64_t recorded = 0, completed = 0;
    int64_t t_ns = 0;
};

// Memory a queued piece of work reads or writes, [begin, end).
struct Range {
    const char* begin;
    const char* end;
};

class Streams {
public:
    static constexpr int kStreams = 2;  // BS_GPU_STREAM_COMPUTE, BS_GPU_STREAM_COPY

    explicit Streams(uint64_t seed) {
        const char* d = std::getenv("BS_FAKE_STRICT_DELAY_US");
        max_delay_us_ = d ? std::strtoll(d, nullptr, 10) : 300;
        for (int s = 0; s < kStreams; ++s) {
            q_[s].rng.seed(seed * 7919 + static_cast<uint64_t>(s));
            q_[s].th = std::thread([this, s] { run(s); });
        }
    }
    ~Streams() {
        {
            std::lock_guard lock(m_);
            stop_ = true;
        }
        cv_.notify_all();
        for (Queue& q : q_) q.th.join();
    }
    Streams(const Streams&) = delete;
    Streams& operator=(const Streams&) = delete;

    // Queues `work` on `stream`; `uses`: the memory it touches, in use until it has run.
    void submit(int stream, std::vector<Range> uses, std::function<void()> work) {
        {
            std::lock_guard lock(m_);
            q_[stream].ops.push_back({std::move(uses), std::move(work), {}});
        }
        cv_.notify_all();
    }
    void record(Event* e, int stream) {
        uint64_t gen;
        {
            std::lock_guard lock(m_);
            gen = ++e->recorded;
        }
        submit(stream, {}, [this, e, gen] {
            std::lock_guard lock(m_);
            e->t_ns = host_ns();
            if (gen > e->completed) e->completed = gen;
        });
    }
    // Work queued on `stream` from now on waits for the last record of `e` queued so far.
    void wait(int stream, Event* e) {
        {
            std::lock_guard lock(m_);
            const uint64_t gen = e->recorded;
            q_[stream].ops.push_back({{}, [] {}, [e, gen] { return e->completed >= gen; }});
        }
        cv_.notify_all();
    }
    void synchronize(Event* e) {
        std::unique_lock lock(m_);
        const uint64_t gen = e->recorded;
        cv_.wait(lock, [&] { return e->completed >= gen; });
    }
    bool done(const Event* e) {
        std::lock_guard lock(m_);
        return e->completed >= e->recorded;
    }
    void synchronize(int stream) {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return q_[stream].ops.empty(); });
    }
    void synchronize_all() {
        for (int s = 0; s < kStreams; ++s) synchronize(s);
    }
    // Whether work queued (or running) on `stream` still uses memory overlapping [p, p + n).
    bool in_use(int stream, const void* p, size_t n) {
        const char* b = static_cast<const char*>(p);
        const char* e = b + (n ? n : 1);
        std::lock_guard lock(m_);
        for (const Op& op : q_[stream].ops)
            for (const Range& r : op.uses)
                if (r.begin < e && b < r.end) return true;
        return false;
    }
    void set_violation(const std::string& what) {
        std::lock_guard lock(m_);
        if (violation_.empty()) violation_ = "fake strict: " + what;
    }
    std::string violation() {
        std::lock_guard lock(m_);
        return violation_;
    }

private:
    struct Op {
        std::vector<Range> uses;
        std::function<void()> work;
        std::function<bool()> ready;  // a wait: runs once it is true
    };
    struct Queue {
        std::deque<Op> ops;  // the front one runs (its memory stays in use until it is done)
        std::mt19937_64 rng;
        std::thread th;
    };

    // Mostly short delays, now and then a long one: enough to reorder what is not ordered.
    int64_t delay_us(Queue& q) {
        if (max_delay_us_ <= 0) return 0;
        const uint64_t r = q.rng();
        return static_cast<int64_t>((r >> 8) % static_cast<uint64_t>((r & 3) == 0 ? max_delay_us_ : max_delay_us_ / 16 + 1));
    }

    void run(int s) {
        Queue& q = q_[s];
        std::unique_lock lock(m_);
        for (;;) {
            cv_.wait(lock, [&] { return stop_ || (!q.ops.empty() && (!q.ops.front().ready || q.ops.front().ready())); });
            if (q.ops.empty()) return;  // stopping, nothing left
            std::function<void()> work = q.ops.front().work;  // a copy: the op stays queued (in use) while it runs
            const int64_t us = delay_us(q);
            lock.unlock();
            if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
            work();
            lock.lock();
            q.ops.pop_front();
            cv_.notify_all();
        }
    }

    std::mutex m_;
    std::condition_variable cv_;
    Queue q_[kStreams];
    bool stop_ = false;
    std::string violation_;
    int64_t max_delay_us_ = 300;
};

}  // namespace fake_strict
