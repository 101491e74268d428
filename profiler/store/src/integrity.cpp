#include "integrity.h"

#include <string>

namespace batchscope::store::detail {

void check_integrity(Db& db) {
    std::string first;
    int problems = 0;
    try {
        auto s = db.prepare("PRAGMA quick_check(20)");
        while (s.step()) {
            std::string row = s.col_text(0);
            if (row == "ok") continue;
            if (problems++ == 0) first = row;
        }
    } catch (const StoreError& e) {
        first = e.what();
        problems = problems > 0 ? problems : 1;
    }
    if (problems == 0) return;
    throw StoreError(db.path() + ": the session database is damaged (SQLite's quick_check: " + first +
                     (problems > 1 ? ", and " + std::to_string(problems - 1) + " more problem(s)" : std::string()) +
                     "); nothing was written into it and the file was left as it is. Save into another session "
                     "file (batchscope-cli: --db FILE; the dashboard: BATCHSCOPE_DB=FILE), or try "
                     "`sqlite3 FILE .recover` on a copy");
}

}  // namespace batchscope::store::detail
