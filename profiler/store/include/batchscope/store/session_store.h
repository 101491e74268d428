#pragma once
// One SQLite file holding many sessions. Opening checks that the file is ours and of a schema
// this version understands (migrating older ones forward), and refuses anything else without
// writing to it. Safe for concurrent readers while a recorder writes (WAL).
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "batchscope/store/records.h"
#include "batchscope/store/store_error.h"

namespace batchscope::store {

namespace detail {
class Db;
}

inline constexpr int kSchemaVersion = 3;

struct SessionFilter {
    std::string mode{}, model{}, dataset{}, tag{};
    std::string since{}, until{};  // ISO dates (prefix compare), inclusive
};

class SessionStore {
public:
    // $BATCHSCOPE_DB, else $XDG_DATA_HOME/batchscope/sessions.db, else ~/.local/share/batchscope/sessions.db
    // (the home folder from the password database when HOME is unset; "" when there is none, which
    // opening refuses: never the current folder)
    static std::string default_path();
    // The SQLite library in use ("3.40.1"), for the environment a session records.
    static std::string sqlite_version();

    // Opens (creating folders and the file if needed, unless read_only). Throws StoreError.
    explicit SessionStore(const std::string& path, bool read_only = false);
    ~SessionStore();
    SessionStore(const SessionStore&) = delete;
    SessionStore& operator=(const SessionStore&) = delete;

    const std::string& path() const;
    int schema_version() const;

    std::vector<SessionInfo> list(const SessionFilter& f = {});
    std::optional<SessionInfo> info(int64_t id);
    std::vector<IterationRow> iterations(int64_t id);
    std::vector<EpochRow> epochs(int64_t id);
    std::vector<KnobRow> knob_changes(int64_t id);
    std::vector<RequestRow> requests(int64_t id);
    std::vector<VerdictRow> verdicts(int64_t id);
    // In time order, with their names (schema 3; "" for rows without one).
    std::vector<EventRow> events(int64_t id);
    // Names given to the lanes of the stored events ("CPU thread 4711", "GPU stream 7"); lanes
    // without one keep the profiler's name.
    std::vector<LaneNameRow> lane_names(int64_t id);
    // Figures stored at the end of a session (latency percentiles, "events_saved", "events_dropped").
    std::vector<std::pair<std::string, double>> summary(int64_t id);

    void rename(int64_t id, const std::string& name);
    void add_tag(int64_t id, const std::string& tag);
    void remove_tag(int64_t id, const std::string& tag);
    void set_note(int64_t id, const std::string& note);
    // Stores (or replaces) one figure of the session's summary (see summary()).
    void set_summary(int64_t id, const std::string& key, double value);
    void remove(int64_t id);

    // PRAGMA integrity_check: "ok", or what SQLite found wrong.
    std::string check_integrity();

    // Writes session `id` alone into a new session file at `file` (must not exist).
    void export_session(int64_t id, const std::string& file);
    // Copies every session of another session file into this store; returns the new ids.
    std::vector<int64_t> import_file(const std::string& file);

    detail::Db& db();  // for the recorder and the exporters in this library

private:
    void require(int64_t id);
    int version_ = 0;
    std::unique_ptr<detail::Db> db_;
};

// Opens `path` as a session database of ours (migrating it), or throws StoreError. Shared by
// the store and the recorder.
std::unique_ptr<detail::Db> open_session_db(const std::string& path, bool read_only, int* version_out);

}  // namespace batchscope::store
