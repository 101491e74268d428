// Reading a session file changes nothing and trusts nothing: a read-only opening writes no
// schema into an empty file and leaves no -wal/-shm beside an exported file; a damaged file is
// refused on reads as on writes; messages tell both front ends how to choose another file.
#include <gtest/gtest.h>

#include <filesystem>

#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"
#include "store_files.h"

using namespace batchscope::store;
using bs_store_test::TempFile;
using bs_store_test::error_of;
namespace fs = std::filesystem;

namespace {

int64_t record(const std::string& path, int iters) {
    SessionMeta m;
    m.mode = "train";
    m.model = "mlp";
    SessionRecorder rec(path, m);
    for (int i = 0; i < iters; ++i) {
        IterationRow r;
        r.iteration = i;
        r.epoch = 1;
        r.batch_size = 32;
        r.wall_ns = 1000 + i;
        rec.add(r);
    }
    rec.finish("finished");
    return rec.session_id();
}

}  // namespace

TEST(StoreReads, AnEmptyFileOpenedReadOnlyIsRefusedAndStaysEmpty) {
    TempFile t;
    fs::create_directories(t.dir);
    bs_store_test::write_all(t.path, "");
    const std::string msg = error_of([&] { SessionStore s(t.path, true); });
    EXPECT_NE(msg.find(t.path + ": is an empty file"), std::string::npos) << msg;
    EXPECT_EQ(fs::file_size(t.path), 0u);  // no schema written into it
    EXPECT_FALSE(fs::exists(t.path + "-wal"));
    EXPECT_FALSE(fs::exists(t.path + "-shm"));
}

TEST(StoreReads, AnExportedFileReadReadOnlyLeavesNoWalOrShm) {
    TempFile t;
    const int64_t id = record(t.path, 5);
    const std::string file = t.sibling("shared.bscope");
    SessionStore(t.path).export_session(id, file);
    {
        SessionStore exported(file, true);
        ASSERT_EQ(exported.list().size(), 1u);
        EXPECT_EQ(exported.iterations(exported.list()[0].id).size(), 5u);
    }
    EXPECT_FALSE(fs::exists(file + "-wal"));
    EXPECT_FALSE(fs::exists(file + "-shm"));
    // ... and importing it does not either.
    TempFile other;
    SessionStore dst(other.path);
    EXPECT_EQ(dst.import_file(file).size(), 1u);
    EXPECT_FALSE(fs::exists(file + "-wal"));
    EXPECT_FALSE(fs::exists(file + "-shm"));
}

TEST(StoreReads, ADamagedFileIsRefusedOnReadsNotReadAsFewerRows) {
    TempFile t;
    record(t.path, 16);
    { SessionStore(t.path).db(); }  // checkpointed into the main file when the last connection closes
    std::string bytes = bs_store_test::read_all(t.path);
    const size_t page = (static_cast<unsigned char>(bytes[16]) << 8) | static_cast<unsigned char>(bytes[17]);
    for (size_t i = page; i < page + 16; ++i) bytes[i] = static_cast<char>(0xA5);  // page 2's header
    bs_store_test::write_all(t.path, bytes);
    const std::string msg = error_of([&] {
        SessionStore s(t.path, true);
        (void)s.list();
    });
    EXPECT_NE(msg.find(t.path + ": the session database is damaged"), std::string::npos) << msg;
}

TEST(StoreReads, AnOlderSchemaOpenedReadOnlySaysItNeedsMigrating) {
    const std::string src = std::string(BS_STORE_TESTDATA) + "/sessions-v1.db";
    TempFile t;
    fs::create_directories(t.dir);
    fs::copy_file(src, t.path);
    EXPECT_THROW(SessionStore(t.path, true), StoreNeedsMigration);
}

TEST(StoreReads, MessagesSayHowEachFrontEndChoosesAnotherFile) {
    // The dashboard has no --db: its way is BATCHSCOPE_DB.
    TempFile t;
    fs::create_directories(t.dir);
    bs_store_test::write_all(t.path, "notes, not a database\n");
    const std::string msg = error_of([&] { SessionStore s(t.path); });
    EXPECT_NE(msg.find("batchscope-cli: --db FILE"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the dashboard: BATCHSCOPE_DB=FILE"), std::string::npos) << msg;
}
