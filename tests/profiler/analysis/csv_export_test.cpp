// The one CSV format: header names carry the unit, times in ms with µs resolution, checked
// against values worked out by hand from the rows written.
#include <gtest/gtest.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "analysis_fixtures.h"
#include "batchscope/analysis/csv_export.h"
#include "batchscope/store/session_store.h"
#include "batchscope/store/store_error.h"

using namespace batchscope;
using namespace batchscope::analysis;
using bs_analysis_test::TempDb;

namespace {

std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

profiler::IterationSample sample(int64_t iteration, int64_t start_ns) {
    profiler::IterationSample s;
    s.iteration = iteration;
    s.epoch = 1;
    s.batch_size = 128;
    s.start_ns = start_ns;
    s.end_ns = start_ns + 2'000'000;
    s.breakdown = {2'000'000, 1'200'000, 100'000, 0, 500'000, 200'000};  // wall, compute, h2d, d2h, wait, host
    return s;
}

}  // namespace

TEST(IterationCsv, HeaderAndOneRowPerIteration) {
    std::vector<profiler::IterationSample> its = {sample(5, 7'000'000), sample(6, 9'000'000)};
    its[1].loss = 0.25f;
    its[1].queue_depth = 3;
    std::ostringstream out;
    write_iteration_csv(out, its);
    const auto l = lines(out.str());
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0],
              "iteration,epoch,batch_size,start_ms,wall_ms,data_wait_ms,h2d_ms,compute_ms,comm_ms,d2h_ms,other_gpu_ms,host_ms,"
              "loss,queue_depth");
    EXPECT_EQ(l[2], "6,1,128,2.000000,2.000000,0.500000,0.100000,1.200000,0.000000,0.000000,0.000000,0.200000,0.25,3");
}

// A step of an imported trace: its collectives and other device work have columns of their own.
TEST(IterationCsv, ImportedRowsKeepCommAndOtherGpu) {
    store::IterationRow r;
    r.iteration = 551;
    r.start_ns = 40'000'000;
    r.wall_ns = 10'000'000;
    r.compute_ns = 4'000'000;
    r.comm_ns = 2'500'000;
    r.h2d_ns = 250'000;
    r.d2h_ns = 125'000;
    r.other_gpu_ns = 75'000;
    r.data_wait_ns = 1'000'000;
    r.host_ns = 2'050'000;  // 10 - (4 + 2.5 + 0.25 + 0.125 + 0.075 + 1)
    std::ostringstream out;
    write_iteration_csv(out, iteration_samples({r}));
    const auto l = lines(out.str());
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[1], "551,0,0,0.000000,10.000000,1.000000,0.250000,4.000000,2.500000,0.125000,0.075000,2.050000,0,0");
}

TEST(RequestCsv, TimesFromTheFirstScheduledArrival) {
    store::RequestRow a, b;
    a.request_id = 9;
    a.batch_size = 4;
    a.scheduled_ns = 1'000'000;
    a.issued_ns = 1'000'400;
    a.queue_ns = 2'000'000;
    a.compute_ns = 400'000;
    a.latency_ns = 2'500'000;
    a.correct = 1;
    b = a;
    b.request_id = 10;
    b.scheduled_ns = 1'250'000;
    b.issued_ns = 1'250'000;
    b.correct = -1;
    const std::vector<store::RequestRow> rs = {a, b};
    std::ostringstream out;
    write_request_csv(out, rs);
    const auto l = lines(out.str());
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0], "request_id,batch_size,scheduled_ms,issued_ms,queue_ms,h2d_ms,compute_ms,d2h_ms,latency_ms,correct");
    EXPECT_EQ(l[1], "9,4,0.000000,0.000400,2.000000,0.000000,0.400000,0.000000,2.500000,1");
    EXPECT_EQ(l[2], "10,4,0.250000,0.250000,2.000000,0.000000,0.400000,0.000000,2.500000,");  // not checked: empty
}

TEST(EpochCsv, NotEvaluatedIsEmpty) {
    store::EpochRow e;
    e.epoch = 2;
    e.train_loss = 0.5;
    e.test_accuracy = -1;
    e.samples_per_s = 12345.5;
    e.steady_samples_per_s = 13000;
    e.wall_s = 4.75;
    e.samples = 60000;
    e.iterations = 469;
    std::ostringstream out;
    write_epoch_csv(out, std::vector<store::EpochRow>{e});
    EXPECT_EQ(lines(out.str()).at(1), "2,0.5,,12345.5,13000,4.75,60000,469");
}

// The dashboard runs under the user's locale; a decimal comma must not reach the file. Uses
// an installed German locale, else compiles one into a temporary folder (localedef, LOCPATH).
TEST(IterationCsv, DecimalPointInAnyLocale) {
    const char* was = std::setlocale(LC_NUMERIC, nullptr);
    const std::string saved = was ? was : "C";
    TempDb dir;
    if (!std::setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
        const std::string cmd = "localedef -i de_DE -f UTF-8 '" + dir.dir + "/de_DE.UTF-8' >/dev/null 2>&1";
        if (std::system(cmd.c_str()) == 0) setenv("LOCPATH", dir.dir.c_str(), 1);
        if (!std::setlocale(LC_NUMERIC, "de_DE.UTF-8")) GTEST_SKIP() << "no German locale, and localedef could not make one";
    }
    char probe[16];
    std::snprintf(probe, sizeof probe, "%.1f", 1.5);
    ASSERT_STREQ(probe, "1,5") << "the locale in effect writes a decimal comma";
    std::ostringstream out;
    std::vector<profiler::IterationSample> its = {sample(0, 0)};
    its[0].loss = 1.5f;
    write_iteration_csv(out, its);
    std::setlocale(LC_NUMERIC, saved.c_str());
    unsetenv("LOCPATH");
    EXPECT_EQ(lines(out.str()).at(1), "0,1,128,0.000000,2.000000,0.500000,0.100000,1.200000,0.000000,0.000000,0.000000,0.200000,1.5,0");
}

TEST(SessionCsv, AutoPicksIterationsOrRequestsAndUnknownIsAnError) {
    TempDb db;
    int64_t train = 0, infer = 0;
    {
        store::SessionRecorder rec(db.path, bs_analysis_test::meta("t", "train", "cpu"));
        store::IterationRow r;
        r.iteration = 3;
        r.epoch = 1;
        r.batch_size = 32;
        r.start_ns = 5'000'000'000;
        r.wall_ns = 3'000'000;
        r.data_wait_ns = 1'000'000;
        r.compute_ns = 1'500'000;
        r.host_ns = 500'000;
        r.loss = 0.75;
        rec.add(r);
        rec.finish("finished");
        train = rec.session_id();
    }
    {
        store::SessionRecorder rec(db.path, bs_analysis_test::meta("i", "infer", "cpu"));
        store::RequestRow r;
        r.request_id = 0;
        r.batch_size = 1;
        r.latency_ns = 80'000;
        r.compute_ns = 60'000;
        rec.add(r);
        rec.finish("finished");
        infer = rec.session_id();
    }
    store::SessionStore st(db.path, true);
    std::ostringstream t, i, e;
    write_session_csv(st, train, CsvTable::Auto, t);
    EXPECT_EQ(lines(t.str()).at(1), "3,1,32,0.000000,3.000000,1.000000,0.000000,1.500000,0.000000,0.000000,0.000000,0.500000,0.75,0");
    write_session_csv(st, infer, CsvTable::Auto, i);
    EXPECT_EQ(lines(i.str()).at(1), "0,1,0.000000,0.000000,0.000000,0.000000,0.060000,0.000000,0.080000,");
    write_session_csv(st, train, CsvTable::Epochs, e);
    EXPECT_EQ(lines(e.str()).size(), 1u);  // the header: no epoch was recorded
    std::ostringstream none;
    EXPECT_THROW(write_session_csv(st, 99, CsvTable::Auto, none), store::StoreError);
    EXPECT_EQ(csv_table_from_name("requests"), CsvTable::Requests);
    EXPECT_FALSE(csv_table_from_name("rows").has_value());
}
