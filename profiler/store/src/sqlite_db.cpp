#include "sqlite_db.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace batchscope::store::detail {

bool readable_as_on_disk(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    char head[20] = {};
    f.read(head, sizeof head);
    const bool wal = f.gcount() == sizeof head && head[18] == 2 && head[19] == 2;  // format versions 2: WAL
    std::error_code ec;
    return wal && !std::filesystem::exists(path + "-wal", ec);
}

std::string plain_name(const std::string& path) { return path.starts_with("file:") ? "./" + path : path; }

std::string read_only_uri(const std::string& path, bool immutable) {
    std::error_code ec;
    const std::filesystem::path abs = std::filesystem::absolute(path, ec);
    const std::string p = ec ? path : abs.string();
    std::string uri = p.starts_with('/') ? "file://" : "file:";  // "file:///abs/path": an empty authority
    for (const char c : p) {
        if (c == '%' || c == '?' || c == '#') {
            char b[4];
            std::snprintf(b, sizeof b, "%%%02X", static_cast<unsigned char>(c));
            uri += b;
        } else {
            uri += c;
        }
    }
    return uri + (immutable ? "?mode=ro&immutable=1" : "?mode=ro");
}

Db::Db(const std::string& path, bool create, bool read_only, bool immutable) : path_(path) {
    // URIs on every connection (SQLite builds differ in their default), so that ATTACH can take one.
    const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                      (create && !read_only ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    const std::string name = immutable && read_only ? read_only_uri(path, true) : plain_name(path);
    const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw StoreError(path + ": cannot open the session database (" + msg + ")");
    }
    sqlite3_busy_timeout(db_, 5000);
    sqlite3_extended_result_codes(db_, 1);
}

Db::~Db() { sqlite3_close(db_); }

void Db::fail(const std::string& what) const {
    throw StoreError(path_ + ": " + what + " (" + sqlite3_errmsg(db_) + ")");
}

void Db::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string m = err ? err : "?";
        sqlite3_free(err);
        throw StoreError(path_ + ": " + m);
    }
}

Stmt Db::prepare(std::string_view sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
        fail("cannot prepare '" + std::string(sql.substr(0, 60)) + "'");
    return Stmt(*this, s);
}

int64_t Db::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

int64_t Db::pragma_int(const char* name) {
    Stmt s = prepare(std::string("PRAGMA ") + name);
    return s.step() ? s.col_int(0) : 0;
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

Stmt& Stmt::bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
}
Stmt& Stmt::bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}
Stmt& Stmt::bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
}

bool Stmt::step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->fail("query failed");
}

void Stmt::run() {
    while (step()) {
    }
    sqlite3_reset(s_);  // every value is bound again before the next run
}

void Stmt::reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

int64_t Stmt::col_int(int i) const { return sqlite3_column_int64(s_, i); }
double Stmt::col_double(int i) const { return sqlite3_column_double(s_, i); }
std::string Stmt::col_text(int i) const {
    const auto* t = sqlite3_column_text(s_, i);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(s_, i))) : "";
}
bool Stmt::col_is_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
    if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace batchscope::store::detail
