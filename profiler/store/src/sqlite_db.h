#pragma once
// Internal RAII wrapper over the SQLite C API. The only header of the project that includes
// sqlite3.h; nothing outside profiler/store/src sees it.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "batchscope/store/store_error.h"

namespace batchscope::store::detail {

class Stmt;

// A file in WAL mode that no program has open (no -wal beside it: SQLite keeps one while any
// connection is open): everything is in the file, which can be read as it is on disk (immutable).
bool readable_as_on_disk(const std::string& path);
// The name to give SQLite for `path` (connections take URIs): "file:..." becomes "./file:...".
std::string plain_name(const std::string& path);
// "file:///abs/path?mode=ro" (with "&immutable=1"), the path's '%', '?' and '#' escaped: a
// read-only opening, or ATTACH.
std::string read_only_uri(const std::string& path, bool immutable);

class Db {
public:
    // Opens (creating if `create`) the file; throws StoreError naming the path on failure.
    // `immutable` (read-only only): SQLite's immutable=1, the file is read as it is on disk, with
    // no locks, no -wal and no -shm (open_session_db says when that is safe).
    Db(const std::string& path, bool create, bool read_only = false, bool immutable = false);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    void exec(const char* sql);
    Stmt prepare(std::string_view sql);
    int64_t last_insert_id() const;
    int changes() const;
    int64_t pragma_int(const char* name);
    const std::string& path() const noexcept { return path_; }
    sqlite3* handle() noexcept { return db_; }
    [[noreturn]] void fail(const std::string& what) const;

private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

class Stmt {
public:
    Stmt(Db& db, sqlite3_stmt* s) : db_(&db), s_(s) {}
    ~Stmt();
    Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
    Stmt& operator=(Stmt&&) = delete;

    Stmt& bind(int i, int64_t v);
    Stmt& bind(int i, double v);
    Stmt& bind(int i, std::string_view v);
    Stmt& bind_null(int i);
    bool step();   // true: a row is ready; false: done. Throws on error.
    void run();    // step to completion, then reset
    void reset();

    int64_t col_int(int i) const;
    double col_double(int i) const;
    std::string col_text(int i) const;
    bool col_is_null(int i) const;

private:
    Db* db_;
    sqlite3_stmt* s_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed.
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    void commit();

private:
    Db& db_;
    bool done_ = false;
};

}  // namespace batchscope::store::detail
