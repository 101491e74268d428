#include "batchscope/store/session_store.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "sqlite_db.h"

namespace batchscope::store {
namespace {

constexpr const char* kSessionCols =
    "name, mode, model, dataset, backend, storage, emulated, created_at, ended_at, heartbeat_at, state, message, "
    "note, "
    "config_json, env_json, dropped_records";
// Child tables and their columns after session_id.
struct Child {
    const char* table;
    const char* cols;
};
constexpr Child kChildren[] = {
    {"session_tags", "tag"},
    {"iterations",
     "iteration, epoch, batch_size, start_ns, wall_ns, data_wait_ns, h2d_ns, compute_ns, d2h_ns, host_ns, loss, "
     "queue_depth, comm_ns, other_gpu_ns"},
    {"epochs", "epoch, train_loss, test_accuracy, samples_per_s, steady_samples_per_s, wall_s, samples, iterations"},
    {"knob_changes", "t_ns, iteration, knob, old_value, new_value"},
    {"requests",
     "request_id, scheduled_ns, issued_ns, queue_ns, h2d_ns, compute_ns, d2h_ns, latency_ns, batch_size, correct"},
    {"verdicts", "first_iteration, last_iteration, verdict, advice"},
    {"events", "start_ns, end_ns, id, bytes, phase, lane_kind, lane_index, name_id, gpu_kind, direction, pinned, part"},
    {"session_summary", "key, value"},
    {"event_names", "name_id, name"},
    {"event_lanes", "lane_kind, lane_index, name"},
};

SessionInfo read_info(detail::Stmt& s) {
    SessionInfo i;
    i.id = s.col_int(0);
    i.name = s.col_text(1);
    i.mode = s.col_text(2);
    i.model = s.col_text(3);
    i.dataset = s.col_text(4);
    i.backend = s.col_text(5);
    i.storage = s.col_text(6);
    i.emulated = s.col_int(7) != 0;
    i.created_at = s.col_text(8);
    i.ended_at = s.col_text(9);
    i.state = s.col_text(10);
    i.message = s.col_text(11);
    i.note = s.col_text(12);
    i.config_json = s.col_text(13);
    i.env_json = s.col_text(14);
    i.dropped_records = s.col_int(15);
    i.iterations = s.col_int(16);
    i.requests = s.col_int(17);
    return i;
}

constexpr const char* kInfoSelect =
    "SELECT s.id, s.name, s.mode, s.model, s.dataset, s.backend, s.storage, s.emulated, s.created_at, "
    "s.ended_at, CASE WHEN s.state = 'running' AND (s.heartbeat_at IS NULL OR "
    "s.heartbeat_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-10 seconds')) THEN 'interrupted' ELSE s.state END, "
    "s.message, s.note, s.config_json, s.env_json, s.dropped_records, "
    "(SELECT count(*) FROM iterations i WHERE i.session_id = s.id), "
    "(SELECT count(*) FROM requests r WHERE r.session_id = s.id) FROM sessions s ";

}  // namespace

std::string SessionStore::sqlite_version() { return sqlite3_libversion(); }

std::string SessionStore::default_path() {
    if (const char* p = std::getenv("BATCHSCOPE_DB"); p && *p) return p;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/batchscope/sessions.db";
    const char* home = std::getenv("HOME");
    if (!home || !*home) {  // HOME unset: the user's home from the password database, never the current folder
        const passwd* pw = getpwuid(getuid());
        home = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : nullptr;
    }
    return home ? std::string(home) + "/.local/share/batchscope/sessions.db" : std::string();  // refused on open
}

SessionStore::SessionStore(const std::string& path, bool read_only)
    : db_(open_session_db(path, read_only, &version_)) {}
SessionStore::~SessionStore() = default;

const std::string& SessionStore::path() const { return db_->path(); }
int SessionStore::schema_version() const { return version_; }
detail::Db& SessionStore::db() { return *db_; }

void SessionStore::require(int64_t id) {
    auto s = db_->prepare("SELECT 1 FROM sessions WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) throw StoreError("no session " + std::to_string(id) + " in " + path() + " (see `sessions list`)");
}

std::vector<SessionInfo> SessionStore::list(const SessionFilter& f) {
    std::string sql = std::string(kInfoSelect) +
                      "WHERE (?1 = '' OR s.mode = ?1) AND (?2 = '' OR s.model LIKE '%' || ?2 || '%') "
                      "AND (?3 = '' OR s.dataset LIKE '%' || ?3 || '%') "
                      "AND (?4 = '' OR EXISTS (SELECT 1 FROM session_tags t WHERE t.session_id = s.id AND t.tag = ?4)) "
                      "AND (?5 = '' OR s.created_at >= ?5) AND (?6 = '' OR substr(s.created_at, 1, length(?6)) <= ?6) "
                      "ORDER BY s.id";
    auto s = db_->prepare(sql);
    s.bind(1, f.mode).bind(2, f.model).bind(3, f.dataset).bind(4, f.tag).bind(5, f.since).bind(6, f.until);
    std::vector<SessionInfo> out;
    while (s.step()) out.push_back(read_info(s));
    auto tags = db_->prepare("SELECT tag FROM session_tags WHERE session_id = ? ORDER BY tag");
    for (auto& i : out) {
        tags.bind(1, i.id);
        while (tags.step()) i.tags.push_back(tags.col_text(0));
        tags.reset();
    }
    return out;
}

std::optional<SessionInfo> SessionStore::info(int64_t id) {
    auto s = db_->prepare(std::string(kInfoSelect) + "WHERE s.id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    SessionInfo i = read_info(s);
    auto tags = db_->prepare("SELECT tag FROM session_tags WHERE session_id = ? ORDER BY tag");
    tags.bind(1, id);
    while (tags.step()) i.tags.push_back(tags.col_text(0));
    return i;
}

std::vector<IterationRow> SessionStore::iterations(int64_t id) {
    auto s = db_->prepare(std::string("SELECT ") + kChildren[1].cols +
                          " FROM iterations WHERE session_id = ? ORDER BY iteration");
    s.bind(1, id);
    std::vector<IterationRow> out;
    while (s.step()) {
        IterationRow r;
        r.iteration = s.col_int(0);
        r.epoch = static_cast<int>(s.col_int(1));
        r.batch_size = static_cast<int>(s.col_int(2));
        r.start_ns = s.col_int(3);
        r.wall_ns = s.col_int(4);
        r.data_wait_ns = s.col_int(5);
        r.h2d_ns = s.col_int(6);
        r.compute_ns = s.col_int(7);
        r.d2h_ns = s.col_int(8);
        r.host_ns = s.col_int(9);
        r.loss = s.col_double(10);
        r.queue_depth = static_cast<int>(s.col_int(11));
        r.comm_ns = s.col_int(12);
        r.other_gpu_ns = s.col_int(13);
        out.push_back(r);
    }
    return out;
}

std::vector<EpochRow> SessionStore::epochs(int64_t id) {
    auto s = db_->prepare(std::string("SELECT ") + kChildren[2].cols + " FROM epochs WHERE session_id = ? ORDER BY epoch");
    s.bind(1, id);
    std::vector<EpochRow> out;
    while (s.step()) {
        EpochRow r;
        r.epoch = static_cast<int>(s.col_int(0));
        r.train_loss = s.col_double(1);
        r.test_accuracy = s.col_is_null(2) ? -1 : s.col_double(2);
        r.samples_per_s = s.col_double(3);
        r.steady_samples_per_s = s.col_double(4);
        r.wall_s = s.col_double(5);
        r.samples = s.col_int(6);
        r.iterations = s.col_int(7);
        out.push_back(r);
    }
    return out;
}

std::vector<KnobRow> SessionStore::knob_changes(int64_t id) {
    auto s = db_->prepare(std::string("SELECT ") + kChildren[3].cols +
                          " FROM knob_changes WHERE session_id = ? ORDER BY t_ns");
    s.bind(1, id);
    std::vector<KnobRow> out;
    while (s.step()) out.push_back({s.col_int(0), s.col_int(1), s.col_text(2), s.col_int(3), s.col_int(4)});
    return out;
}

std::vector<RequestRow> SessionStore::requests(int64_t id) {
    auto s = db_->prepare(std::string("SELECT ") + kChildren[4].cols +
                          " FROM requests WHERE session_id = ? ORDER BY request_id");
    s.bind(1, id);
    std::vector<RequestRow> out;
    while (s.step()) {
        RequestRow r;
        r.request_id = s.col_int(0);
        r.scheduled_ns = s.col_int(1);
        r.issued_ns = s.col_int(2);
        r.queue_ns = s.col_int(3);
        r.h2d_ns = s.col_int(4);
        r.compute_ns = s.col_int(5);
        r.d2h_ns = s.col_int(6);
        r.latency_ns = s.col_int(7);
        r.batch_size = static_cast<int>(s.col_int(8));
        r.correct = static_cast<int>(s.col_int(9));
        out.push_back(r);
    }
    return out;
}

std::vector<VerdictRow> SessionStore::verdicts(int64_t id) {
    auto s = db_->prepare(std::string("SELECT ") + kChildren[5].cols +
                          " FROM verdicts WHERE session_id = ? ORDER BY first_iteration");
    s.bind(1, id);
    std::vector<VerdictRow> out;
    while (s.step()) out.push_back({s.col_int(0), s.col_int(1), s.col_text(2), s.col_text(3)});
    return out;
}

std::vector<EventRow> SessionStore::events(int64_t id) {
    auto s = db_->prepare(
        "SELECT e.start_ns, e.end_ns, e.id, e.bytes, e.phase, e.lane_kind, e.lane_index, e.gpu_kind, e.direction, "
        "e.pinned, e.part, n.name FROM events e LEFT JOIN event_names n ON n.session_id = e.session_id AND "
        "n.name_id = e.name_id WHERE e.session_id = ? ORDER BY e.start_ns");
    s.bind(1, id);
    std::vector<EventRow> out;
    while (s.step()) {
        EventRow r;
        r.start_ns = s.col_int(0);
        r.end_ns = s.col_int(1);
        r.id = s.col_int(2);
        r.bytes = s.col_int(3);
        r.phase = static_cast<int>(s.col_int(4));
        r.lane_kind = static_cast<int>(s.col_int(5));
        r.lane_index = static_cast<int>(s.col_int(6));
        r.gpu_kind = static_cast<int>(s.col_int(7));
        r.direction = static_cast<int>(s.col_int(8));
        r.pinned = s.col_int(9) != 0;
        r.part = static_cast<int>(s.col_int(10));
        if (!s.col_is_null(11)) r.name = s.col_text(11);
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<LaneNameRow> SessionStore::lane_names(int64_t id) {
    auto s = db_->prepare("SELECT lane_kind, lane_index, name FROM event_lanes WHERE session_id = ? "
                          "ORDER BY lane_kind, lane_index");
    s.bind(1, id);
    std::vector<LaneNameRow> out;
    while (s.step())
        out.push_back({static_cast<int>(s.col_int(0)), static_cast<int>(s.col_int(1)), s.col_text(2)});
    return out;
}

std::vector<std::pair<std::string, double>> SessionStore::summary(int64_t id) {
    auto s = db_->prepare("SELECT key, value FROM session_summary WHERE session_id = ? ORDER BY key");
    s.bind(1, id);
    std::vector<std::pair<std::string, double>> out;
    while (s.step()) out.emplace_back(s.col_text(0), s.col_double(1));
    return out;
}

void SessionStore::rename(int64_t id, const std::string& name) {
    require(id);
    if (name.empty()) throw StoreError("a session name cannot be empty");
    db_->prepare("UPDATE sessions SET name = ? WHERE id = ?").bind(1, name).bind(2, id).run();
}

void SessionStore::add_tag(int64_t id, const std::string& tag) {
    require(id);
    if (tag.empty()) throw StoreError("a tag cannot be empty");
    db_->prepare("INSERT OR IGNORE INTO session_tags(session_id, tag) VALUES (?, ?)").bind(1, id).bind(2, tag).run();
}

void SessionStore::remove_tag(int64_t id, const std::string& tag) {
    require(id);
    db_->prepare("DELETE FROM session_tags WHERE session_id = ? AND tag = ?").bind(1, id).bind(2, tag).run();
}

void SessionStore::set_note(int64_t id, const std::string& note) {
    require(id);
    db_->prepare("UPDATE sessions SET note = ? WHERE id = ?").bind(1, note).bind(2, id).run();
}

void SessionStore::remove(int64_t id) {
    require(id);
    detail::Transaction tx(*db_);
    for (const Child& c : kChildren)
        db_->prepare(std::string("DELETE FROM ") + c.table + " WHERE session_id = ?").bind(1, id).run();
    db_->prepare("DELETE FROM sessions WHERE id = ?").bind(1, id).run();
    tx.commit();
}

std::string SessionStore::check_integrity() {
    auto s = db_->prepare("PRAGMA integrity_check");
    std::string out;
    while (s.step()) out += (out.empty() ? "" : "; ") + s.col_text(0);
    return out;
}

namespace {
// Copies session `src_id` of schema `from` into schema `to` (both attached names); returns the new id.
int64_t copy_session(detail::Db& db, const std::string& from, const std::string& to, int64_t src_id) {
    db.prepare("INSERT INTO " + to + ".sessions(" + kSessionCols + ") SELECT " + kSessionCols + " FROM " + from +
               ".sessions WHERE id = ?")
        .bind(1, src_id)
        .run();
    const int64_t new_id = db.last_insert_id();
    for (const Child& c : kChildren)
        db.prepare("INSERT INTO " + to + "." + c.table + "(session_id, " + c.cols + ") SELECT ?, " + c.cols +
                   " FROM " + from + "." + c.table + " WHERE session_id = ?")
            .bind(1, new_id)
            .bind(2, src_id)
            .run();
    return new_id;
}
}  // namespace

void SessionStore::export_session(int64_t id, const std::string& file) {
    require(id);
    std::error_code ec;
    if (std::filesystem::exists(file, ec))
        throw StoreError(file + ": already exists; choose a new file name (nothing was overwritten)");
    { open_session_db(file, false, nullptr); }  // creates the schema
    db_->prepare("ATTACH DATABASE ? AS dst").bind(1, detail::plain_name(file)).run();
    try {
        detail::Transaction tx(*db_);
        copy_session(*db_, "main", "dst", id);
        tx.commit();
    } catch (...) {
        db_->exec("DETACH DATABASE dst");
        std::filesystem::remove(file, ec);
        throw;
    }
    db_->exec("DETACH DATABASE dst");
    // A file to hand around: in rollback mode, so that opening it read-only (`sessions import`,
    // `sessions --db FILE list`) leaves no -wal or -shm file beside it.
    detail::Db(file, false, false).exec("PRAGMA journal_mode=DELETE");
}

void SessionStore::set_summary(int64_t id, const std::string& key, double value) {
    require(id);
    db_->prepare("INSERT OR REPLACE INTO session_summary VALUES (?,?,?)").bind(1, id).bind(2, key).bind(3, value).run();
}

std::vector<int64_t> SessionStore::import_file(const std::string& file) {
    std::error_code ec;
    if (std::filesystem::equivalent(file, path(), ec)) throw StoreError(file + ": is this store itself");
    std::vector<int64_t> src_ids;
    {
        // Validates the file (ours, a schema we read) without changing it.
        SessionStore src(file, true);
        for (const auto& s : src.list()) src_ids.push_back(s.id);
    }
    // Read-only, as `src` above: nothing written beside the file, and a WAL-mode file that no
    // program has open is read as it is on disk (docs/SESSIONS.md, "Reading without writing").
    db_->prepare("ATTACH DATABASE ? AS src")
        .bind(1, detail::read_only_uri(file, detail::readable_as_on_disk(file)))
        .run();
    std::vector<int64_t> out;
    try {
        detail::Transaction tx(*db_);
        for (int64_t id : src_ids) out.push_back(copy_session(*db_, "src", "main", id));
        tx.commit();
    } catch (...) {
        db_->exec("DETACH DATABASE src");
        throw;
    }
    db_->exec("DETACH DATABASE src");
    return out;
}

}  // namespace batchscope::store
