#include "session_export.h"

#include <sstream>

#include "batchscope/analysis/csv_export.h"
#include "batchscope/analysis/session_trace.h"
#include "batchscope/profiler/output_file.h"
#include "batchscope/store/store_error.h"

namespace batchscope::ui {

namespace {

// The export is built in memory first, so that an unknown session or an unreadable store leaves
// an existing file untouched; then written whole or not at all, never over what is not a regular
// file (profiler/output_file.h).
void write_file(const std::string& file, const std::string& bytes) {
    try {
        profiler::write_output_file(file, bytes);
    } catch (const profiler::OutputFileError& e) {
        throw store::StoreError(std::string("cannot write ") + e.what());
    }
}

}  // namespace

void export_session_csv(store::SessionStore& st, int64_t id, const std::string& file) {
    std::ostringstream out;
    analysis::write_session_csv(st, id, analysis::CsvTable::Auto, out);
    write_file(file, out.str());
}

std::vector<std::string> export_session_trace(store::SessionStore& st, int64_t id, const std::string& file) {
    std::ostringstream out;
    std::vector<std::string> notes = analysis::write_session_trace(st, id, out);
    write_file(file, out.str());
    return notes;
}

}  // namespace batchscope::ui
