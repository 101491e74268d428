#pragma once
// Internal: a session file's integrity, checked when it is opened for writing, before anything
// is written into it: a run saved into a damaged file would be lost with it.
#include "sqlite_db.h"

namespace batchscope::store::detail {

// SQLite's PRAGMA quick_check (the structure of every table and index page; a linear pass over
// the file). Throws StoreError naming the file, the first problem found and what to do.
void check_integrity(Db& db);

}  // namespace batchscope::store::detail
