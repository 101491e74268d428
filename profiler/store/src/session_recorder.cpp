#include "batchscope/store/session_recorder.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "batchscope/store/compare.h"
#include "batchscope/store/session_store.h"
#include "sqlite_db.h"

namespace batchscope::store {
namespace {

constexpr const char* kNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

// "INSERT INTO t VALUES (?,..,?),(?,..,?)..." for `rows` rows of `cols` values.
std::string multi_insert(const char* verb, const char* table, int cols, int rows) {
    std::string one = "(";
    for (int c = 0; c < cols; ++c) one += c ? ",?" : "?";
    one += ")";
    std::string sql = std::string(verb) + " INTO " + table + " VALUES " + one;
    for (int r = 1; r < rows; ++r) sql += "," + one;
    return sql;
}

constexpr int kRowsPerInsert = 64;  // rows per multi-row INSERT for the high-volume tables
constexpr int kEventCols = 13;      // session_id and the 12 columns of an event row (schema 3)
// A host event (our own runs' events: no name, no device record) needs only the first 8; the
// others take their defaults, and the inserts bind 40% fewer values.
constexpr int kPlainEventCols = 8;
constexpr const char* kPlainEvents = "events(session_id, start_ns, end_ns, id, bytes, phase, lane_kind, lane_index)";

bool plain(const EventRow& r) {
    return r.name.empty() && r.gpu_kind == -1 && r.direction == 0 && !r.pinned && r.part == 0;
}

// Summary of the requests seen, stored with the session at the end (compare reads it instead
// of millions of rows).
struct RequestSummary {
    std::vector<int64_t> latencies;
    int64_t first_scheduled = INT64_MAX, last_done = INT64_MIN;
    double compute_per_sample_ns = 0;  // summed over requests: their batch's compute / its size
    double batches = 0;                // summed 1 / batch size: the number of batches served
    int64_t checked = 0, correct = 0;
};

struct Writer {
    detail::Db& db;
    int64_t id;
    detail::Stmt it, ep, kn, rq, vd, ev, ev_plain, nm, rq_many, it_many, ev_many, ev_many_plain;
    std::vector<RequestRow> rq_buf;
    std::vector<IterationRow> it_buf;
    std::vector<EventRow> ev_buf;
    RequestSummary summary;
    uint64_t events_written = 0;  // in committed transactions (the caller counts after commit)
    // Event names interned for this session (event_names): name -> id; ids are given in order,
    // and those at or above names_committed were written in a transaction not yet committed.
    std::unordered_map<std::string, int64_t> names;
    size_t names_committed = 0;

    Writer(detail::Db& d, int64_t session)
        : db(d),
          id(session),
          it(d.prepare("INSERT OR REPLACE INTO iterations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")),
          ep(d.prepare("INSERT OR REPLACE INTO epochs VALUES (?,?,?,?,?,?,?,?,?)")),
          kn(d.prepare("INSERT INTO knob_changes VALUES (?,?,?,?,?,?)")),
          rq(d.prepare("INSERT OR REPLACE INTO requests VALUES (?,?,?,?,?,?,?,?,?,?,?)")),
          vd(d.prepare("INSERT INTO verdicts VALUES (?,?,?,?,?)")),
          ev(d.prepare(multi_insert("INSERT", "events", kEventCols, 1))),
          ev_plain(d.prepare(multi_insert("INSERT", kPlainEvents, kPlainEventCols, 1))),
          nm(d.prepare("INSERT INTO event_names VALUES (?,?,?)")),
          rq_many(d.prepare(multi_insert("INSERT OR REPLACE", "requests", 11, kRowsPerInsert))),
          it_many(d.prepare(multi_insert("INSERT OR REPLACE", "iterations", 15, kRowsPerInsert))),
          ev_many(d.prepare(multi_insert("INSERT", "events", kEventCols, kRowsPerInsert))),
          ev_many_plain(d.prepare(multi_insert("INSERT", kPlainEvents, kPlainEventCols, kRowsPerInsert))) {
        rq_buf.reserve(kRowsPerInsert);
        it_buf.reserve(kRowsPerInsert);
        ev_buf.reserve(kRowsPerInsert);
    }

    void bind_iteration(detail::Stmt& s, int b, const IterationRow& r) {
        s.bind(b + 1, id).bind(b + 2, r.iteration).bind(b + 3, int64_t{r.epoch}).bind(b + 4, int64_t{r.batch_size});
        s.bind(b + 5, r.start_ns).bind(b + 6, r.wall_ns).bind(b + 7, r.data_wait_ns).bind(b + 8, r.h2d_ns);
        s.bind(b + 9, r.compute_ns).bind(b + 10, r.d2h_ns).bind(b + 11, r.host_ns).bind(b + 12, r.loss);
        s.bind(b + 13, int64_t{r.queue_depth}).bind(b + 14, r.comm_ns).bind(b + 15, r.other_gpu_ns);
    }
    void bind_request(detail::Stmt& s, int b, const RequestRow& r) {
        s.bind(b + 1, id).bind(b + 2, r.request_id).bind(b + 3, r.scheduled_ns).bind(b + 4, r.issued_ns);
        s.bind(b + 5, r.queue_ns).bind(b + 6, r.h2d_ns).bind(b + 7, r.compute_ns).bind(b + 8, r.d2h_ns);
        s.bind(b + 9, r.latency_ns).bind(b + 10, int64_t{r.batch_size}).bind(b + 11, int64_t{r.correct});
    }
    void bind_event(detail::Stmt& s, int b, const EventRow& r, bool all = true) {
        s.bind(b + 1, id).bind(b + 2, r.start_ns).bind(b + 3, r.end_ns).bind(b + 4, r.id).bind(b + 5, r.bytes);
        s.bind(b + 6, int64_t{r.phase}).bind(b + 7, int64_t{r.lane_kind}).bind(b + 8, int64_t{r.lane_index});
        if (!all) return;
        if (r.name.empty()) s.bind_null(b + 9);
        else s.bind(b + 9, name_id(r.name));
        s.bind(b + 10, int64_t{r.gpu_kind}).bind(b + 11, int64_t{r.direction}).bind(b + 12, int64_t{r.pinned});
        s.bind(b + 13, int64_t{r.part});
    }
    // The id of `name` in event_names, written there the first time it is seen.
    int64_t name_id(const std::string& name) {
        const auto [found, fresh] = names.try_emplace(name, static_cast<int64_t>(names.size()));
        if (fresh) nm.bind(1, id).bind(2, found->second).bind(3, name).run();
        return found->second;
    }
    void committed() { names_committed = names.size(); }
    void rolled_back() {
        std::erase_if(names, [&](const auto& kv) { return kv.second >= static_cast<int64_t>(names_committed); });
    }

    // Writes buffered rows: full groups with one multi-row statement, the rest one by one.
    void flush() {
        if (it_buf.size() == kRowsPerInsert) {
            for (int k = 0; k < kRowsPerInsert; ++k) bind_iteration(it_many, 15 * k, it_buf[static_cast<size_t>(k)]);
            it_many.run();
        } else {
            for (const auto& r : it_buf) {
                bind_iteration(it, 0, r);
                it.run();
            }
        }
        it_buf.clear();
        if (rq_buf.size() == kRowsPerInsert) {
            for (int k = 0; k < kRowsPerInsert; ++k) bind_request(rq_many, 11 * k, rq_buf[static_cast<size_t>(k)]);
            rq_many.run();
        } else {
            for (const auto& r : rq_buf) {
                bind_request(rq, 0, r);
                rq.run();
            }
        }
        rq_buf.clear();
        if (ev_buf.size() == kRowsPerInsert) {
            const bool all_plain = std::all_of(ev_buf.begin(), ev_buf.end(), plain);
            detail::Stmt& s = all_plain ? ev_many_plain : ev_many;
            const int cols = all_plain ? kPlainEventCols : kEventCols;
            for (int k = 0; k < kRowsPerInsert; ++k) bind_event(s, cols * k, ev_buf[static_cast<size_t>(k)], !all_plain);
            s.run();
        } else {
            for (const auto& r : ev_buf) {
                detail::Stmt& s = plain(r) ? ev_plain : ev;
                bind_event(s, 0, r, !plain(r));
                s.run();
            }
        }
        events_written += ev_buf.size();
        ev_buf.clear();
    }

    // `events_pushed`/`events_dropped`: raw events offered to the recorder and those it dropped.
    // `figures`: the ones set with set_summary.
    void write_summary(uint64_t events_pushed, uint64_t events_dropped, uint64_t events_saved,
                       const std::vector<std::pair<std::string, double>>& figures,
                       const std::vector<LaneNameRow>& lanes) {
        auto lane = db.prepare("INSERT OR REPLACE INTO event_lanes VALUES (?,?,?,?)");
        for (const LaneNameRow& l : lanes)
            lane.bind(1, id).bind(2, int64_t{l.lane_kind}).bind(3, int64_t{l.lane_index}).bind(4, l.name).run();
        auto put = db.prepare("INSERT OR REPLACE INTO session_summary VALUES (?,?,?)");
        auto kv = [&](const char* key, double v) { put.bind(1, id).bind(2, key).bind(3, v).run(); };
        for (const auto& [key, v] : figures) kv(key.c_str(), v);
        if (events_pushed + events_dropped > 0) {
            kv("events_saved", static_cast<double>(events_saved));
            kv("events_dropped", static_cast<double>(events_dropped));
        }
        if (summary.latencies.empty()) return;
        kv("requests", static_cast<double>(summary.latencies.size()));
        for (auto [key, p] : {std::pair{"latency_p50_ns", 50.0}, {"latency_p90_ns", 90.0}, {"latency_p95_ns", 95.0},
                              {"latency_p99_ns", 99.0}, {"latency_p999_ns", 99.9}})
            kv(key, percentile(summary.latencies, p));
        const double n = static_cast<double>(summary.latencies.size());
        kv("compute_per_sample_ns", summary.compute_per_sample_ns / n);
        if (summary.batches > 0) kv("mean_batch", n / summary.batches);
        if (summary.checked > 0)
            kv("served_accuracy", static_cast<double>(summary.correct) / static_cast<double>(summary.checked));
        if (summary.last_done > summary.first_scheduled)
            kv("requests_per_s", static_cast<double>(summary.latencies.size()) /
                                     (static_cast<double>(summary.last_done - summary.first_scheduled) / 1e9));
    }

    void operator()(const IterationRow& r) {
        it_buf.push_back(r);
        if (it_buf.size() == kRowsPerInsert) flush();
    }
    void operator()(const EpochRow& r) {
        ep.bind(1, id).bind(2, int64_t{r.epoch}).bind(3, r.train_loss);
        if (r.test_accuracy >= 0) ep.bind(4, r.test_accuracy);
        else ep.bind_null(4);
        ep.bind(5, r.samples_per_s).bind(6, r.steady_samples_per_s).bind(7, r.wall_s).bind(8, r.samples);
        ep.bind(9, r.iterations);
        ep.run();
    }
    void operator()(const KnobRow& r) {
        kn.bind(1, id).bind(2, r.t_ns).bind(3, r.iteration).bind(4, r.knob).bind(5, r.old_value).bind(6, r.new_value);
        kn.run();
    }
    void operator()(const RequestRow& r) {
        summary.latencies.push_back(r.latency_ns);
        if (r.batch_size > 0) {
            summary.compute_per_sample_ns += static_cast<double>(r.compute_ns) / r.batch_size;
            summary.batches += 1.0 / r.batch_size;
        }
        if (r.correct >= 0) ++summary.checked, summary.correct += r.correct;
        summary.first_scheduled = std::min(summary.first_scheduled, r.scheduled_ns);
        summary.last_done = std::max(summary.last_done, r.scheduled_ns + r.latency_ns);
        rq_buf.push_back(r);
        if (rq_buf.size() == kRowsPerInsert) flush();
    }
    void operator()(const VerdictRow& r) {
        vd.bind(1, id).bind(2, r.first_iteration).bind(3, r.last_iteration).bind(4, r.verdict).bind(5, r.advice);
        vd.run();
    }
    void operator()(const EventRow& r) {
        ev_buf.push_back(r);
        if (ev_buf.size() == kRowsPerInsert) flush();
    }
};

}  // namespace

SessionRecorder::SessionRecorder(const std::string& path, const SessionMeta& meta, size_t queue_capacity)
    : path_(path), capacity_(queue_capacity) {
    std::shared_ptr<detail::Db> db = open_session_db(path, false, nullptr);
    const std::string name = meta.name.empty() ? meta.mode + " " + meta.model : meta.name;
    db->prepare(std::string("INSERT INTO sessions(name, mode, model, dataset, backend, storage, emulated, "
                            "created_at, heartbeat_at, state, config_json, env_json) VALUES (?,?,?,?,?,?,?,") +
                kNow + "," + kNow + ",'running',?,?)")
        .bind(1, name)
        .bind(2, meta.mode)
        .bind(3, meta.model)
        .bind(4, meta.dataset)
        .bind(5, meta.backend)
        .bind(6, meta.storage)
        .bind(7, int64_t{meta.emulated})
        .bind(8, meta.config_json.empty() ? "{}" : meta.config_json)
        .bind(9, meta.env_json.empty() ? "{}" : meta.env_json)
        .run();
    id_ = db->last_insert_id();
    for (const std::string& tag : meta.tags)
        db->prepare("INSERT OR IGNORE INTO session_tags(session_id, tag) VALUES (?,?)").bind(1, id_).bind(2, tag).run();
    pending_.reserve(4096);
    writer_ = std::thread([this, db] { writer_main(*db); });
}

SessionRecorder::~SessionRecorder() { finish("interrupted", "the recorder was closed before the run ended"); }

bool SessionRecorder::push(Row r) {
    std::lock_guard lock(m_);
    if (stop_ || pending_.size() >= capacity_) {
        ++dropped_;
        return false;
    }
    pending_.push_back(std::move(r));
    return true;
}

size_t SessionRecorder::add_events(std::span<const EventRow> rows) {
    std::lock_guard lock(m_);
    size_t room = stop_ || pending_.size() >= capacity_ ? 0 : capacity_ - pending_.size();
    const size_t n = std::min(room, rows.size());
    for (size_t i = 0; i < n; ++i) pending_.emplace_back(rows[i]);
    events_pushed_ += n;
    dropped_ += rows.size() - n;
    events_dropped_ += rows.size() - n;
    return n;
}

void SessionRecorder::set_summary(const std::string& key, double value) {
    std::lock_guard lock(m_);
    for (auto& [k, v] : figures_)
        if (k == key) {
            v = value;
            return;
        }
    figures_.emplace_back(key, value);
}

void SessionRecorder::set_lane_name(int lane_kind, int lane_index, const std::string& name) {
    std::lock_guard lock(m_);
    for (auto& l : lanes_)
        if (l.lane_kind == lane_kind && l.lane_index == lane_index) {
            l.name = name;
            return;
        }
    lanes_.push_back({lane_kind, lane_index, name});
}

void SessionRecorder::writer_main(detail::Db& db) {
    std::unique_ptr<Writer> w;
    std::optional<detail::Stmt> heartbeat;
    try {
        w = std::make_unique<Writer>(db, id_);
        heartbeat.emplace(db.prepare(std::string("UPDATE sessions SET heartbeat_at = ") + kNow +
                                     ", dropped_records = ? WHERE id = ?"));
    } catch (const std::exception& e) {
        std::lock_guard lock(m_);
        error_ = e.what();  // every row will be counted as dropped
    }
    std::vector<Row> batch;
    batch.reserve(4096);
    for (;;) {
        bool stopping;
        uint64_t dropped, ev_pushed, ev_dropped;
        std::vector<std::pair<std::string, double>> figures;
        std::vector<LaneNameRow> lanes;
        {
            std::unique_lock lock(m_);
            cv_.wait_for(lock, std::chrono::milliseconds(kFlushIntervalMs), [&] { return stop_; });
            stopping = stop_;
            batch.swap(pending_);
            dropped = dropped_;
            ev_pushed = events_pushed_;
            ev_dropped = events_dropped_;
            if (stopping) figures = figures_, lanes = lanes_;
        }
        const uint64_t ev_before = w ? w->events_written : 0;
        try {
            if (!w) throw std::runtime_error(last_error());
            detail::Transaction tx(db);
            for (const Row& r : batch) std::visit(*w, r);
            w->flush();
            if (stopping) w->write_summary(ev_pushed, ev_dropped, w->events_written, figures, lanes);
            heartbeat->bind(1, static_cast<int64_t>(dropped)).bind(2, id_).run();
            tx.commit();
            w->committed();
            std::lock_guard lock(m_);
            events_written_ = w->events_written;
        } catch (const std::exception& e) {
            std::lock_guard lock(m_);
            if (w) w->events_written = ev_before;  // rolled back
            if (w) w->rolled_back();
            dropped_ += batch.size();
            for (const Row& r : batch) events_dropped_ += std::holds_alternative<EventRow>(r) ? 1 : 0;
            error_ = e.what();
        }
        batch.clear();
        if (stopping) break;
    }
    try {
        std::string state, message;
        uint64_t dropped;
        {
            std::lock_guard lock(m_);
            state = end_state_;
            message = end_message_;
            dropped = dropped_;
        }
        db.prepare(std::string("UPDATE sessions SET state = ?, message = ?, dropped_records = ?, ended_at = ") + kNow +
                   ", heartbeat_at = " + kNow + " WHERE id = ?")
            .bind(1, state)
            .bind(2, message)
            .bind(3, static_cast<int64_t>(dropped))
            .bind(4, id_)
            .run();
    } catch (const std::exception& e) {
        std::lock_guard lock(m_);
        error_ = e.what();
    }
}

void SessionRecorder::finish(const std::string& state, const std::string& message) {
    {
        std::lock_guard lock(m_);
        if (finished_) return;
        finished_ = true;
        stop_ = true;
        end_state_ = state;
        end_message_ = message;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
}

uint64_t SessionRecorder::dropped() const {
    std::lock_guard lock(m_);
    return dropped_;
}

uint64_t SessionRecorder::events_dropped() const {
    std::lock_guard lock(m_);
    return events_dropped_;
}

uint64_t SessionRecorder::events_written() const {
    std::lock_guard lock(m_);
    return events_written_;
}

std::string SessionRecorder::last_error() const {
    std::lock_guard lock(m_);
    return error_;
}

}  // namespace batchscope::store
