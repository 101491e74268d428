#pragma once
// Test helpers: temporary session files, and raw edits of an SQLite header (so the tests can
// make foreign or newer-schema files without including sqlite3.h).
#include <cstdint>
#include <string>

#include "batchscope/store/store_error.h"

namespace bs_store_test {

struct TempFile {
    TempFile();
    ~TempFile();
    std::string dir;
    std::string path;  // dir + "/sessions.db" (not created)
    std::string sibling(const std::string& name) const { return dir + "/" + name; }
};

// Writes a big-endian 32-bit value at `offset` of the file (user_version: 60, application_id: 68).
void patch_be32(const std::string& path, long offset, uint32_t value);
std::string read_all(const std::string& path);
void write_all(const std::string& path, const std::string& bytes);

// The message of the StoreError that f() throws, or "" when it throws none.
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const batchscope::store::StoreError& e) {
        return e.what();
    }
    return {};
}

}  // namespace bs_store_test
