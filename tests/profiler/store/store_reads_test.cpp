// Reading a session file changes nothing and trusts nothing: a read-only opening writes no
// schema into an empty file and leaves no -wal/-shm beside an exported file; a damaged file is
// refused on reads as on writes; messages tell both front ends how to choose another file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <vector>

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

// The names in `dir` with their sizes: what a read-only open must leave as it found.
std::vector<std::string> listing(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        out.push_back(e.path().filename().string() + " " + std::to_string(e.is_regular_file() ? e.file_size() : 0));
    std::sort(out.begin(), out.end());
    return out;
}

bool in_wal_mode(const std::string& path) {
    const std::string b = bs_store_test::read_all(path);
    return b.size() > 19 && b[18] == 2 && b[19] == 2;
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

TEST(StoreReads, AWalModeCopyReadReadOnlyLeavesItsFolderUnchanged) {
    // A session database copied as a user would send it: in WAL mode, no program has it open.
    TempFile t;
    record(t.path, 5);
    TempFile sent;
    const std::string dir = sent.sibling("from a user?#%20");  // characters a URI escapes
    const std::string file = dir + "/sessions.db";
    fs::create_directories(dir);
    fs::copy_file(t.path, file);
    ASSERT_TRUE(in_wal_mode(file));
    const std::vector<std::string> before = listing(dir);
    const std::string bytes = bs_store_test::read_all(file);
    {
        SessionStore s(file, true);
        ASSERT_EQ(s.list().size(), 1u);
        EXPECT_EQ(s.iterations(s.list()[0].id).size(), 5u);
    }
    EXPECT_EQ(listing(dir), before);  // no -wal, no -shm
    EXPECT_EQ(bs_store_test::read_all(file), bytes);
}

TEST(StoreReads, ImportingAWalModeCopyReadsItReadOnly) {
    TempFile t;
    record(t.path, 4);
    TempFile sent;
    const std::string dir = sent.sibling("file:from a user?#%20");
    fs::create_directories(dir);
    fs::copy_file(t.path, dir + "/sessions.db");
    const std::vector<std::string> before = listing(dir);
    const std::string bytes = bs_store_test::read_all(dir + "/sessions.db");
    TempFile mine;
    SessionStore dst(mine.path);
    const std::vector<int64_t> ids = dst.import_file(dir + "/sessions.db");
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ(dst.iterations(ids[0]).size(), 4u);
    EXPECT_EQ(listing(dir), before);
    EXPECT_EQ(bs_store_test::read_all(dir + "/sessions.db"), bytes);
}

TEST(StoreReads, AnOlderSchemaFixtureInWalModeOpenedReadOnlyLeavesItsFolderUnchanged) {
    TempFile t;
    fs::create_directories(t.dir);
    fs::copy_file(std::string(BS_STORE_TESTDATA) + "/sessions-v1.db", t.path);
    ASSERT_TRUE(in_wal_mode(t.path));
    const std::vector<std::string> before = listing(t.dir);
    EXPECT_THROW(SessionStore(t.path, true), StoreNeedsMigration);
    EXPECT_EQ(listing(t.dir), before);
}

TEST(StoreReads, AReadOnlyOpenBesideAWriterSeesTheCommitsInItsWal) {
    // A program writing the file keeps its commits in the -wal until it checkpoints: a read-only
    // open must read them through it (so it cannot read the file as it is on disk).
    TempFile t;
    const int64_t id = record(t.path, 3);
    SessionStore writer(t.path);
    writer.rename(id, "renamed while open");
    ASSERT_TRUE(fs::exists(t.path + "-wal"));
    const std::vector<std::string> names_before = [&] {
        std::vector<std::string> v;
        for (const auto& e : fs::directory_iterator(t.dir)) v.push_back(e.path().filename().string());
        std::sort(v.begin(), v.end());
        return v;
    }();
    SessionStore reader(t.path, true);
    ASSERT_EQ(reader.list().size(), 1u);
    EXPECT_EQ(reader.list()[0].name, "renamed while open");
    std::vector<std::string> names_after;
    for (const auto& e : fs::directory_iterator(t.dir)) names_after.push_back(e.path().filename().string());
    std::sort(names_after.begin(), names_after.end());
    EXPECT_EQ(names_after, names_before);  // the writer's -wal and -shm, and nothing more
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
