// PyTorch profiler traces (`import-trace FILE`, the dashboard's import): read_trace must refuse
// bad JSON and impossible events with an ImportError, and the analysis of whatever it accepted
// must not fail in any other way.
#include <cstdint>
#include <string>

#include "batchscope/trace_import/import_session.h"
#include "batchscope/trace_import/trace_reader.h"
#include "fuzz_file.h"

using namespace batchscope::trace_import;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The reader tells gzip from plain JSON by the first two bytes, not the name.
    static const std::string path = bs_fuzz::scratch_path("trace.json");
    bs_fuzz::write_file(path, data, size);
    try {
        (void)load_trace(path);
    } catch (const ImportError&) {
    }
    return 0;
}
