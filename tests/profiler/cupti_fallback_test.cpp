// Without a usable GPU the CUPTI collector refuses to start and says why; it never fails
// silently and never touches CUPTI's activity API (which returns CUPTI_ERROR_UNKNOWN there).
#include <gtest/gtest.h>

#include <string>

#include "batchscope/engine/plugin_cupti_collector.h"
#include "plugin_loader.h"

namespace {

batchscope::test::OpenedPlugin& plugin() {
    static auto p = batchscope::test::open_plugin(BS_REAL_PLUGIN);
    return p;
}

bool gpu_usable() {
    BsGpuProbeInfo info{};
    info.struct_size = sizeof info;
    return plugin().api && plugin().api->probe(&info) == BS_GPU_PROBE_OK;
}

}  // namespace

TEST(CuptiFallback, PluginOffersTheCollectorTable) {
    ASSERT_TRUE(plugin().api) << plugin().error;
    const BsCuptiCollectorApi* c = plugin().cupti();
    ASSERT_NE(c, nullptr);
    EXPECT_GE(c->struct_size, sizeof(BsCuptiCollectorApi));
    EXPECT_TRUE(c->start && c->stop && c->flush && c->push_external_id && c->pop_external_id && c->drain &&
                c->name && c->stats);
}

TEST(CuptiFallback, WithoutAGpuStartFailsWithTheReason) {
    ASSERT_TRUE(plugin().api) << plugin().error;
    if (gpu_usable()) GTEST_SKIP() << "a GPU is usable here: the fallback does not apply";
    const BsCuptiCollectorApi* c = plugin().cupti();
    ASSERT_NE(c, nullptr);
    char why[256] = "unchanged";
    BsCuptiSession* s = c->start(100, why, sizeof why);
    EXPECT_EQ(s, nullptr);
    const std::string reason = why;
    EXPECT_NE(reason.find("no usable GPU for CUPTI"), std::string::npos) << reason;
    EXPECT_NE(reason.find("cudaError"), std::string::npos) << reason;  // the CUDA error is named
    // A short buffer gets a truncated, terminated reason; no buffer is fine too.
    char tiny[8];
    EXPECT_EQ(c->start(0, tiny, sizeof tiny), nullptr);
    EXPECT_EQ(std::string(tiny).size(), 7u);
    EXPECT_EQ(c->start(0, nullptr, 0), nullptr);
}

TEST(CuptiFallback, NullSessionCallsAreHarmless) {
    const BsCuptiCollectorApi* c = plugin().cupti();
    ASSERT_NE(c, nullptr);
    EXPECT_NE(c->flush(nullptr, 1), 0);
    EXPECT_NE(c->push_external_id(nullptr, 1, 2), 0);
    EXPECT_NE(c->pop_external_id(nullptr), 0);
    BsGpuActivity buf[2];
    EXPECT_EQ(c->drain(nullptr, buf, 2), 0u);
    EXPECT_EQ(c->name(nullptr, 0, nullptr, 0), 0u);
    BsCuptiStats st{};
    st.struct_size = sizeof st;
    c->stats(nullptr, &st);  // untouched
    EXPECT_EQ(st.records, 0u);
    c->stop(nullptr);
}

// The host side of the fallback with the real plugin: without a GPU the collector refuses, the
// run is told to time with CUDA events, and the plugin's reason is what the user sees.
TEST(CuptiFallback, RealCollectorRefusalSelectsCudaEventsWithItsReason) {
    ASSERT_TRUE(plugin().api) << plugin().error;
    if (gpu_usable()) GTEST_SKIP() << "a GPU is usable here: the fallback does not apply";
    batchscope::engine::PluginCuptiCollector cupti(plugin().cupti());
    const auto s = batchscope::profiler::choose_gpu_timing({&cupti, true, false});
    EXPECT_EQ(s.mode, batchscope::profiler::GpuTimingMode::CudaEvents);
    EXPECT_EQ(cupti.session(), nullptr);
    EXPECT_NE(s.reason.find("no usable GPU for CUPTI"), std::string::npos) << s.reason;
    EXPECT_NE(s.describe().find("CUDA events"), std::string::npos);

    batchscope::engine::PluginCuptiCollector none(nullptr);
    EXPECT_NE(batchscope::profiler::choose_gpu_timing({&none, true, false}).reason.find("no CUPTI collector"),
              std::string::npos);
}
