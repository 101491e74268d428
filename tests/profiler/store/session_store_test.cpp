#include <gtest/gtest.h>

#include <filesystem>

#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"
#include "store_files.h"

using namespace batchscope::store;
using bs_store_test::TempFile;
using bs_store_test::error_of;

namespace {

int64_t record_session(const std::string& path, const std::string& mode, const std::string& model, int iters,
                       const std::string& config = "{}") {
    SessionMeta m;
    m.mode = mode;
    m.model = model;
    m.dataset = "fashion-mnist";
    m.config_json = config;
    SessionRecorder rec(path, m);
    for (int i = 0; i < iters; ++i) {
        IterationRow r;
        r.iteration = i;
        r.epoch = 1;
        r.batch_size = 32;
        r.wall_ns = 1000 + i;
        r.compute_ns = 800;
        r.host_ns = 200 + i;
        r.loss = 1.0 / (i + 1);
        rec.add(r);
    }
    rec.add(EpochRow{1, 0.5, 0.8, 1000, 1100, 2.0, 32LL * iters, iters});
    rec.add(KnobRow{5, 3, "batch_size", 32, 64});
    rec.finish("finished");
    return rec.session_id();
}

}  // namespace

TEST(SessionStore, CreatesAFreshFileWithTheCurrentSchema) {
    TempFile t;
    SessionStore s(t.path);
    EXPECT_EQ(s.schema_version(), kSchemaVersion);
    EXPECT_TRUE(s.list().empty());
    EXPECT_EQ(s.check_integrity(), "ok");
}

TEST(SessionStore, RecordedRowsRoundTrip) {
    TempFile t;
    const int64_t id = record_session(t.path, "train", "mlp", 50);
    SessionStore s(t.path);
    auto info = s.info(id);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->state, "finished");
    EXPECT_EQ(info->iterations, 50);
    EXPECT_FALSE(info->created_at.empty());
    EXPECT_FALSE(info->ended_at.empty());
    auto its = s.iterations(id);
    ASSERT_EQ(its.size(), 50u);
    EXPECT_EQ(its[7].host_ns, 207);
    EXPECT_DOUBLE_EQ(its[3].loss, 0.25);
    auto eps = s.epochs(id);
    ASSERT_EQ(eps.size(), 1u);
    EXPECT_DOUBLE_EQ(eps[0].test_accuracy, 0.8);
    auto kn = s.knob_changes(id);
    ASSERT_EQ(kn.size(), 1u);
    EXPECT_EQ(kn[0].knob, "batch_size");
    EXPECT_EQ(kn[0].new_value, 64);
}

TEST(SessionStore, ListFiltersRenameTagNoteDelete) {
    TempFile t;
    const int64_t a = record_session(t.path, "train", "mlp", 3);
    const int64_t b = record_session(t.path, "infer", "mlp", 0);
    const int64_t c = record_session(t.path, "train", "cnn", 2);
    SessionStore s(t.path);
    EXPECT_EQ(s.list().size(), 3u);
    SessionFilter by_mode;
    by_mode.mode = "train";
    EXPECT_EQ(s.list(by_mode).size(), 2u);
    EXPECT_EQ(s.list({.model = "cnn"}).size(), 1u);
    s.add_tag(a, "workshop");
    s.add_tag(a, "workshop");  // idempotent
    s.add_tag(c, "workshop");
    EXPECT_EQ(s.list({.tag = "workshop"}).size(), 2u);
    s.remove_tag(c, "workshop");
    EXPECT_EQ(s.list({.tag = "workshop"}).size(), 1u);
    EXPECT_EQ(s.list({.since = "2000-01-01"}).size(), 3u);
    EXPECT_EQ(s.list({.until = "2000-01-01"}).size(), 0u);
    s.rename(b, "latency baseline");
    s.set_note(b, "batch 1, 1000 req/s");
    auto ib = s.info(b);
    EXPECT_EQ(ib->name, "latency baseline");
    EXPECT_EQ(ib->note, "batch 1, 1000 req/s");
    s.remove(a);
    EXPECT_FALSE(s.info(a));
    EXPECT_TRUE(s.iterations(a).empty());
    EXPECT_EQ(s.list().size(), 2u);
    EXPECT_NE(error_of([&] { s.remove(a); }).find("no session"), std::string::npos);
    EXPECT_NE(error_of([&] { s.rename(b, ""); }).find("empty"), std::string::npos);
}

TEST(SessionStore, RefusesAFileThatIsNotSQLiteAndLeavesItAlone) {
    TempFile t;
    std::filesystem::create_directories(t.dir);
    bs_store_test::write_all(t.path, "these are someone's notes, not a database\n");
    const std::string msg = error_of([&] { SessionStore s(t.path); });
    EXPECT_NE(msg.find("not a Batchscope session database"), std::string::npos) << msg;
    EXPECT_EQ(bs_store_test::read_all(t.path), "these are someone's notes, not a database\n");
}

TEST(SessionStore, RefusesAnotherProgramsDatabaseAndANewerSchema) {
    TempFile t;
    record_session(t.path, "train", "mlp", 3);
    const std::string other = t.sibling("other.db");
    std::filesystem::copy_file(t.path, other);
    bs_store_test::patch_be32(other, 68, 0x12345678);  // application_id
    const std::string before = bs_store_test::read_all(other);
    EXPECT_NE(error_of([&] { SessionStore s(other); }).find("another program"), std::string::npos);
    EXPECT_EQ(bs_store_test::read_all(other), before);

    bs_store_test::patch_be32(t.path, 60, kSchemaVersion + 1);  // user_version
    const std::string msg = error_of([&] { SessionStore s(t.path); });
    EXPECT_NE(msg.find("newer Batchscope"), std::string::npos) << msg;
    EXPECT_NE(msg.find("left as it is"), std::string::npos);
}

TEST(SessionStore, ACorruptFileGivesAnErrorNotACrash) {
    TempFile t;
    for (int i = 0; i < 5; ++i) record_session(t.path, "train", "mlp", 2000);
    std::string bytes = bs_store_test::read_all(t.path);
    ASSERT_GT(bytes.size(), 20000u);
    for (size_t i = 4096; i < bytes.size(); i += 7) bytes[i] = static_cast<char>(0xA5);
    bs_store_test::write_all(t.path, bytes);
    const std::string msg = error_of([&] {
        SessionStore s(t.path);
        for (const auto& info : s.list()) s.iterations(info.id);
        if (s.check_integrity() != "ok") throw StoreError("integrity check failed");
    });
    EXPECT_FALSE(msg.empty());
}

TEST(SessionStore, ExportOneSessionAndImportItElsewhere) {
    TempFile t;
    record_session(t.path, "train", "mlp", 5);
    const int64_t id = record_session(t.path, "train", "mlp", 12, R"({"batch_size":64})");
    const std::string file = t.sibling("shared-session.bscope");
    {
        SessionStore s(t.path);
        s.add_tag(id, "keep");
        s.export_session(id, file);
        EXPECT_NE(error_of([&] { s.export_session(id, file); }).find("already exists"), std::string::npos);
    }
    {
        SessionStore exported(file, true);
        ASSERT_EQ(exported.list().size(), 1u);
    }
    TempFile other;
    record_session(other.path, "infer", "mlp", 0);
    SessionStore dst(other.path);
    auto ids = dst.import_file(file);
    ASSERT_EQ(ids.size(), 1u);
    auto info = dst.info(ids[0]);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->iterations, 12);
    EXPECT_EQ(info->config_json, R"({"batch_size":64})");
    EXPECT_EQ(info->tags, std::vector<std::string>{"keep"});
    EXPECT_EQ(dst.iterations(ids[0]).size(), 12u);
    EXPECT_EQ(dst.list().size(), 2u);
    // Importing something that is not a session file changes nothing.
    bs_store_test::write_all(t.sibling("junk.db"), "junk");
    EXPECT_FALSE(error_of([&] { dst.import_file(t.sibling("junk.db")); }).empty());
    EXPECT_EQ(dst.list().size(), 2u);
}

TEST(SessionStore, OpensTheCheckedInDatabaseOfEverySchemaVersion) {
    // tests/profiler/store/data/sessions-v<N>.db: one small file per released schema version.
    for (int v = 1; v <= kSchemaVersion; ++v) {
        const std::string src = std::string(BS_STORE_TESTDATA) + "/sessions-v" + std::to_string(v) + ".db";
        ASSERT_TRUE(std::filesystem::exists(src)) << "keep a database of schema " << v << " as test data: " << src;
        TempFile t;
        std::filesystem::create_directories(t.dir);
        std::filesystem::copy_file(src, t.path);
        SessionStore s(t.path);
        EXPECT_EQ(s.schema_version(), kSchemaVersion);
        auto list = s.list();
        ASSERT_FALSE(list.empty());
        EXPECT_EQ(s.check_integrity(), "ok");
        EXPECT_FALSE(s.iterations(list[0].id).empty());
    }
}
