#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "batchscope/profiler/clock.h"
#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"
#include "store_files.h"

using namespace batchscope::store;
using bs_store_test::TempFile;

TEST(SessionRecorder, AFullQueueDropsAndCountsInsteadOfBlocking) {
    TempFile t;
    SessionMeta m;
    m.mode = "train";
    int64_t id;
    uint64_t dropped;
    {
        SessionRecorder rec(t.path, m, 16);
        int accepted = 0;
        for (int i = 0; i < 20000; ++i) {
            IterationRow r;
            r.iteration = i;
            accepted += rec.add(r);
        }
        rec.finish("finished");
        dropped = rec.dropped();
        id = rec.session_id();
        EXPECT_EQ(static_cast<uint64_t>(accepted) + dropped, 20000u);
    }
    EXPECT_GT(dropped, 0u);
    SessionStore s(t.path);
    auto info = s.info(id);
    EXPECT_EQ(info->dropped_records, static_cast<int64_t>(dropped));
    EXPECT_EQ(info->iterations + info->dropped_records, 20000);
}

TEST(SessionRecorder, ASessionNotFinishedIsMarkedInterrupted) {
    TempFile t;
    SessionMeta m;
    m.mode = "train";
    int64_t id;
    {
        SessionRecorder rec(t.path, m);
        id = rec.session_id();
    }
    SessionStore s(t.path);
    EXPECT_EQ(s.info(id)->state, "interrupted");
}

TEST(SessionRecorder, ReadersBrowseWhileARunWrites) {
    TempFile t;
    SessionMeta m;
    m.mode = "train";
    { SessionStore create(t.path); }
    SessionRecorder rec(t.path, m);
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int i = 0; i < 30000; ++i) {
            IterationRow r;
            r.iteration = i;
            rec.add(r);
            if (i % 1000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        done = true;
    });
    SessionStore reader(t.path, true);
    int64_t last = 0;
    int reads = 0;
    while (!done || reads < 3) {
        auto info = reader.info(rec.session_id());
        ASSERT_TRUE(info);
        EXPECT_GE(info->iterations, last);
        last = info->iterations;
        ++reads;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    writer.join();
    rec.finish("finished");
    EXPECT_EQ(reader.info(rec.session_id())->iterations, 30000);
}

TEST(SessionRecorder, SigkillLosesAtMostTheLastSecondAndLeavesAConsistentFile) {
    TempFile t;
    { SessionStore create(t.path); }
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        execl(BS_KILL_WRITER, BS_KILL_WRITER, t.path.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);
    char buf[16] = {};
    ASSERT_GT(read(out[0], buf, sizeof buf - 1), 0) << "the writer did not start";
    close(out[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    const int64_t killed_at = batchscope::profiler::now_ns();
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));

    SessionStore s(t.path);
    EXPECT_EQ(s.check_integrity(), "ok");
    auto list = s.list();
    ASSERT_EQ(list.size(), 1u);
    auto its = s.iterations(list[0].id);
    ASSERT_GT(its.size(), 1000u);
    const int64_t newest = its.back().start_ns;
    EXPECT_LE(killed_at - newest, 1'000'000'000) << "lost more than the last second of records";
    // Iterations are contiguous: a prefix of what was written, no holes.
    for (size_t i = 0; i < its.size(); ++i) ASSERT_EQ(its[i].iteration, static_cast<int64_t>(i));
}

TEST(SessionRecorder, TagsGivenAtCreationAreThereFromTheStart) {
    TempFile t;
    SessionMeta m;
    m.mode = "train";
    m.tags = {"preset:1-loading-dominates", "workshop", "workshop"};
    SessionRecorder rec(t.path, m);
    SessionStore s(t.path, true);  // while the run is still writing
    const auto info = s.info(rec.session_id());
    ASSERT_TRUE(info);
    EXPECT_EQ(info->tags, (std::vector<std::string>{"preset:1-loading-dominates", "workshop"}));
    SessionFilter f;
    f.tag = "workshop";
    EXPECT_EQ(s.list(f).size(), 1u);
}
