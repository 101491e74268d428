// The schema, its forward-only migrations, and opening a file safely.
#include <filesystem>
#include <fstream>

#include "batchscope/store/session_store.h"
#include "integrity.h"
#include "sqlite_db.h"

namespace batchscope::store {
namespace {

// 'BSCP': marks a session file as ours (PRAGMA application_id).
constexpr int64_t kApplicationId = 0x42534350;
// How to choose another session file, in each front end (the dashboard has no --db).
constexpr const char* kChooseAnother = "batchscope-cli: --db FILE; the dashboard: BATCHSCOPE_DB=FILE";

// migrations[v] takes a database from schema v to v + 1. Never edit a released entry: append.
const char* const kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE sessions(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL, mode TEXT NOT NULL, model TEXT, dataset TEXT, backend TEXT,
  storage TEXT, emulated INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, ended_at TEXT, state TEXT NOT NULL DEFAULT 'running',
  heartbeat_at TEXT, message TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
  config_json TEXT NOT NULL DEFAULT '{}', env_json TEXT NOT NULL DEFAULT '{}',
  dropped_records INTEGER NOT NULL DEFAULT 0);
CREATE TABLE session_tags(
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  tag TEXT NOT NULL, PRIMARY KEY(session_id, tag)) WITHOUT ROWID;
CREATE TABLE iterations(
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  iteration INTEGER NOT NULL, epoch INTEGER, batch_size INTEGER, start_ns INTEGER,
  wall_ns INTEGER, data_wait_ns INTEGER, h2d_ns INTEGER, compute_ns INTEGER, d2h_ns INTEGER,
  host_ns INTEGER, loss REAL, queue_depth INTEGER,
  PRIMARY KEY(session_id, iteration)) WITHOUT ROWID;
CREATE TABLE epochs(
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL, train_loss REAL, test_accuracy REAL, samples_per_s REAL,
  steady_samples_per_s REAL, wall_s REAL, samples INTEGER, iterations INTEGER,
  PRIMARY KEY(session_id, epoch)) WITHOUT ROWID;
CREATE TABLE knob_changes(
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  t_ns INTEGER, iteration INTEGER, knob TEXT, old_value INTEGER, new_value INTEGER);
CREATE INDEX knob_changes_session ON knob_changes(session_id);
CREATE TABLE requests(
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  request_id INTEGER NOT NULL, scheduled_ns INTEGER, issued_ns INTEGER, queue_ns INTEGER,
  h2d_ns INTEGER, compute_ns INTEGER, d2h_ns INTEGER, latency_ns INTEGER, batch_size INTEGER,
  correct INTEGER, PRIMARY KEY(session_id, request_id)) WITHOUT ROWID;
CREATE TABLE verdicts(
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  first_iteration INTEGER, last_iteration INTEGER, verdict TEXT, advice TEXT);
CREATE INDEX verdicts_session ON verdicts(session_id);
CREATE TABLE events(
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  start_ns INTEGER, end_ns INTEGER, id INTEGER, bytes INTEGER, phase INTEGER, lane_kind INTEGER,
  lane_index INTEGER);
CREATE INDEX events_session ON events(session_id, start_ns);
CREATE TABLE session_summary(
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  key TEXT NOT NULL, value REAL, PRIMARY KEY(session_id, key)) WITHOUT ROWID;
)sql",
    // 1 -> 2: imported traces (mode 'imported') break a step down further: collectives (NCCL
    // kernels) and other device work (memsets, DtoD and peer copies); zero on our own runs.
    R"sql(
ALTER TABLE iterations ADD COLUMN comm_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE iterations ADD COLUMN other_gpu_ns INTEGER NOT NULL DEFAULT 0;
)sql",
    // 2 -> 3: stored events of imported traces carry what the session-detail views need: a name
    // (kernel or copy name, interned per session in event_names), the kind of device record
    // (-1: a host event, else profiler::GpuActivityKind), a copy's direction and host memory, the
    // breakdown part a device record counted in when its phase alone cannot say it (1: comm,
    // 2: other device work), and names for the lanes (CPU threads, GPU streams). Old rows read as
    // host events without names, as before.
    R"sql(
ALTER TABLE events ADD COLUMN name_id INTEGER;
ALTER TABLE events ADD COLUMN gpu_kind INTEGER NOT NULL DEFAULT -1;
ALTER TABLE events ADD COLUMN direction INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
CREATE TABLE event_names(
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  name_id INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY(session_id, name_id)) WITHOUT ROWID;
CREATE TABLE event_lanes(
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  lane_kind INTEGER NOT NULL, lane_index INTEGER NOT NULL, name TEXT NOT NULL,
  PRIMARY KEY(session_id, lane_kind, lane_index)) WITHOUT ROWID;
)sql",
};
constexpr int kLatest = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);
static_assert(kLatest == kSchemaVersion, "kSchemaVersion must equal the number of migrations");

bool looks_like_sqlite(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    char head[16] = {};
    f.read(head, sizeof head);
    return f.gcount() == 0 || std::string(head, 15) == "SQLite format 3";
}

}  // namespace

std::unique_ptr<detail::Db> open_session_db(const std::string& path, bool read_only, int* version_out) {
    namespace fs = std::filesystem;
    if (path.empty())  // SessionStore::default_path() with neither HOME nor a home folder
        throw StoreError("no session database: HOME is not set and the user has no home folder; give one (" +
                         std::string(kChooseAnother) + ")");
    std::error_code ec;
    const bool exists = fs::exists(path, ec);
    if (!exists && read_only) throw StoreError(path + ": no such session database");
    if (exists && fs::is_directory(path, ec)) throw StoreError(path + ": is a folder, not a session database");
    // Read-only, an empty file stays empty (it was given a schema by `sessions list`).
    if (exists && read_only && fs::is_regular_file(path, ec) && fs::file_size(path, ec) == 0)
        throw StoreError(path + ": is an empty file, not a session database yet; it was left as it is");
    if (exists && !looks_like_sqlite(path))
        throw StoreError(path + ": is not a Batchscope session database (not an SQLite file); the file was left as "
                                "it is — choose another file (" + kChooseAnother + ")");
    if (!exists) {
        const fs::path parent = fs::path(path).parent_path();
        if (!parent.empty()) fs::create_directories(parent, ec);
    }
    // Read-only, a file in WAL mode that no program has open (no -wal beside it: SQLite keeps one
    // while any connection is open) is read immutable, as it is on disk: an ordinary WAL reader
    // would create -wal and -shm files beside it (and fail in a folder it cannot write). With a
    // -wal there, a writer may hold commits in it, so the open is an ordinary WAL reader that uses
    // the files already there. docs/SESSIONS.md, "Reading without writing", has the trade-off.
    const bool immutable = read_only && exists && detail::readable_as_on_disk(path);
    auto db = std::make_unique<detail::Db>(path, !read_only, read_only, immutable);
    int64_t app_id = 0, version = 0, tables = 0;
    try {
        app_id = db->pragma_int("application_id");
        version = db->pragma_int("user_version");
        auto s = db->prepare("SELECT count(*) FROM sqlite_master");
        if (s.step()) tables = s.col_int(0);
    } catch (const StoreError& e) {
        // A writer that opened the file since the check could have been moving pages under the
        // immutable read: read again as a WAL reader beside it.
        if (immutable && fs::exists(path + "-wal", ec)) return open_session_db(path, read_only, version_out);
        throw StoreError(path + ": the session database is corrupt or unreadable; the file was left as it is. Details: " +
                         e.what());
    }
    if (app_id != kApplicationId && !(app_id == 0 && tables == 0))
        throw StoreError(path + ": is an SQLite database of another program, not a Batchscope session file; the "
                                "file was left as it is — choose another file (" + kChooseAnother + ")");
    if (version > kLatest)
        throw StoreError(path + ": was written by a newer Batchscope (schema " + std::to_string(version) +
                         ", this version reads up to " + std::to_string(kLatest) +
                         "); update Batchscope to open it. The file was left as it is");
    // Before anything is written into it, and before anything is read from it: a damaged page can
    // otherwise read as "no session N" or as fewer rows than were saved.
    if (tables > 0) {
        try {
            detail::check_integrity(*db);
        } catch (const StoreError&) {
            if (immutable && fs::exists(path + "-wal", ec)) return open_session_db(path, read_only, version_out);
            throw;
        }
    }
    if (!read_only) {
        db->exec("PRAGMA journal_mode=WAL");
        db->exec("PRAGMA synchronous=NORMAL");
    }
    db->exec("PRAGMA foreign_keys=ON");
    if (version < kLatest) {
        if (read_only)
            throw StoreNeedsMigration(path + ": uses an older schema (" + std::to_string(version) +
                             ") and was opened read-only; open it once for writing to migrate it");
        detail::Transaction tx(*db);
        for (int v = static_cast<int>(version); v < kLatest; ++v) db->exec(kMigrations[v]);
        db->exec(("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str());
        db->exec(("PRAGMA user_version=" + std::to_string(kLatest)).c_str());
        tx.commit();
        version = kLatest;
    }
    if (version_out) *version_out = static_cast<int>(version);
    return db;
}

}  // namespace batchscope::store
