#pragma once
// Records one live session into a session file from a writer thread. add() never waits on the
// disk: rows go to a bounded queue, written in batched transactions a few times a second; when
// the queue is full the row is dropped and counted (stored with the session), never silently.
// A process killed mid-run loses at most the rows of the last flush interval.
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "batchscope/store/records.h"

namespace batchscope::store {

namespace detail {
class Db;
}

class SessionRecorder {
public:
    static constexpr int kFlushIntervalMs = 200;

    // Opens (or creates) the session file and adds a session in state "running". Throws StoreError.
    SessionRecorder(const std::string& path, const SessionMeta& meta, size_t queue_capacity = 1u << 18);
    ~SessionRecorder();  // finish("interrupted") if finish was not called
    SessionRecorder(const SessionRecorder&) = delete;
    SessionRecorder& operator=(const SessionRecorder&) = delete;

    int64_t session_id() const noexcept { return id_; }
    const std::string& path() const noexcept { return path_; }

    bool add(const IterationRow& r) { return push(r); }
    bool add(const EpochRow& r) { return push(r); }
    bool add(const KnobRow& r) { return push(r); }
    bool add(const RequestRow& r) { return push(r); }
    bool add(const VerdictRow& r) { return push(r); }
    bool add(const EventRow& r) { return push(r); }
    // Raw trace events in bulk (one lock): returns how many were queued; the rest were dropped
    // and counted, in dropped() and in events_dropped(). The counts are stored with the session
    // (session_summary keys "events_saved" and "events_dropped").
    size_t add_events(std::span<const EventRow> rows);
    // A figure of the whole session (a session_summary key), written when the session finishes;
    // setting a key again replaces its value.
    void set_summary(const std::string& key, double value);
    // A name for a lane of the stored events (SessionStore::lane_names), written when the
    // session finishes.
    void set_lane_name(int lane_kind, int lane_index, const std::string& name);

    // Writes what is queued, then the end state ("finished", "stopped", "failed"), and stops the
    // writer. Safe to call once; later calls do nothing.
    void finish(const std::string& state, const std::string& message = {});

    uint64_t dropped() const;
    uint64_t events_dropped() const;
    uint64_t events_written() const;  // committed to the file so far
    std::string last_error() const;  // a write that failed (disk full, ...), or empty

private:
    using Row = std::variant<IterationRow, EpochRow, KnobRow, RequestRow, VerdictRow, EventRow>;
    bool push(Row r);
    void writer_main(detail::Db& db);

    std::string path_;
    int64_t id_ = 0;
    size_t capacity_;
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::vector<Row> pending_;
    std::vector<std::pair<std::string, double>> figures_;  // set_summary, written at the end
    std::vector<LaneNameRow> lanes_;                       // set_lane_name, written at the end
    uint64_t dropped_ = 0;
    uint64_t events_dropped_ = 0;
    uint64_t events_pushed_ = 0;
    uint64_t events_written_ = 0;
    bool stop_ = false;
    bool finished_ = false;
    std::string end_state_, end_message_, error_;
    std::thread writer_;
};

}  // namespace batchscope::store
