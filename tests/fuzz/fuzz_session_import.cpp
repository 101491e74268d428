// Session files handed to the program (`sessions import FILE`, `sessions --db FILE list/show`):
// opening one read-only and reading every session, then importing it into a store of our own,
// must refuse a foreign, damaged or newer file with a StoreError.
#include <cstdint>
#include <cstdio>
#include <string>

#include "batchscope/store/session_store.h"
#include "fuzz_file.h"

using namespace batchscope::store;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = bs_fuzz::scratch_path("import.db");
    static const std::string dst_path = bs_fuzz::scratch_path("store.db");
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());
    std::remove((path + "-journal").c_str());
    bs_fuzz::write_file(path, data, size);
    try {
        SessionStore src(path, true);
        for (const auto& s : src.list()) {
            (void)src.info(s.id);
            (void)src.iterations(s.id);
            (void)src.epochs(s.id);
            (void)src.knob_changes(s.id);
            (void)src.requests(s.id);
            (void)src.verdicts(s.id);
            (void)src.events(s.id);
            (void)src.summary(s.id);
        }
    } catch (const StoreError&) {
    }
    try {
        static SessionStore dst(dst_path);
        (void)dst.import_file(path);
    } catch (const StoreError&) {
    }
    return 0;
}
