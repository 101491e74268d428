// libcupti opened at run time (engine/cuda/cupti_loader.h), checked WITHOUT a GPU: what the loader
// says for a missing file, a library that is not CUPTI, and the toolkit's real libcupti (only
// cuptiGetVersion is called: it needs no driver); and the real plugin asked for its collector
// with BATCHSCOPE_CUPTI_LIBRARY pointing nowhere: the reason reaches the CUDA-event timing line.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/engine/plugin_cupti_collector.h"
#include "cupti_loader.h"

using namespace batchscope::cuda;

namespace {

TEST(CuptiLoader, AMissingFileIsNotFoundWithWhatWasTried) {
    CuptiFunctions f;
    std::string why;
    EXPECT_FALSE(load_cupti({"/nonexistent/libcupti.so.13", "libcupti.so.99"}, f, why));
    EXPECT_EQ(why.rfind(cupti_soname() + " not found (tried /nonexistent/libcupti.so.13: no such file; libcupti.so.99: ", 0), 0u)
        << why;
    EXPECT_NE(why.find("cannot open shared object file"), std::string::npos) << why;
    EXPECT_NE(why.find("BATCHSCOPE_CUPTI_LIBRARY"), std::string::npos) << why;
    EXPECT_EQ(f.activity_enable, nullptr);
}

TEST(CuptiLoader, ALibraryThatIsNotCuptiIsRefusedByName) {
    CuptiFunctions f;
    std::string why;
    EXPECT_FALSE(load_cupti({"libm.so.6"}, f, why));
    EXPECT_EQ(why.rfind("no usable " + cupti_soname(), 0), 0u) << why;
    EXPECT_NE(why.find("libm.so.6: it has no cuptiGetVersion: not a CUPTI library"), std::string::npos) << why;
}

TEST(CuptiLoader, CandidatesAreTheExplicitPathAloneOrTheSonameFirst) {
    setenv("BATCHSCOPE_CUPTI_LIBRARY", "/opt/x/libcupti.so.13", 1);
    EXPECT_EQ(cupti_candidates(), std::vector<std::string>{"/opt/x/libcupti.so.13"});
    unsetenv("BATCHSCOPE_CUPTI_LIBRARY");
    const auto c = cupti_candidates();
    ASSERT_GE(c.size(), 3u);
    EXPECT_EQ(c.front(), "libcupti.so.13");
    EXPECT_NE(std::find(c.begin(), c.end(), "/usr/local/cuda/lib64/libcupti.so.13"), c.end());
}

#ifdef BS_TOOLKIT_CUPTI
TEST(CuptiLoader, TheToolkitsCuptiLoadsWithEveryFunction) {
    if (!std::filesystem::exists(BS_TOOLKIT_CUPTI)) GTEST_SKIP() << BS_TOOLKIT_CUPTI << " is not on this machine";
    CuptiFunctions f;
    std::string why;
    ASSERT_TRUE(load_cupti({"/nonexistent/libcupti.so.13", BS_TOOLKIT_CUPTI}, f, why)) << why;
    EXPECT_EQ(f.path, BS_TOOLKIT_CUPTI);
    EXPECT_EQ(f.version / 10000, static_cast<uint32_t>(CUPTI_API_VERSION / 10000)) << f.version;
    EXPECT_NE(f.activity_push_external_correlation_id, nullptr);
    EXPECT_NE(f.activity_get_next_record, nullptr);
}
#endif

#ifdef BS_REAL_PLUGIN
// The real plugin: no libcupti where it is told to look. Its collector refuses with the loader's
// reason, and the run's timing falls back to CUDA events saying so.
TEST(CuptiLoader, ThePluginsCollectorSaysLibcuptiIsMissingAndTimingUsesCudaEvents) {
    setenv("BATCHSCOPE_CUPTI_LIBRARY", "/nonexistent/libcupti.so.13", 1);
    const auto path = std::filesystem::read_symlink("/proc/self/exe").parent_path() / BS_REAL_PLUGIN;
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    ASSERT_NE(h, nullptr) << dlerror();
    auto entry = reinterpret_cast<BsGpuPluginEntryFn>(dlsym(h, BS_GPU_PLUGIN_ENTRY_SYMBOL));
    ASSERT_NE(entry, nullptr);
    const BsGpuPluginApi* api = entry(BS_GPU_PLUGIN_ABI_VERSION);
    ASSERT_NE(api, nullptr);
    ASSERT_NE(api->cupti, nullptr);
    batchscope::engine::PluginCuptiCollector cupti(api->cupti);
    const auto timing = batchscope::profiler::choose_gpu_timing({&cupti, /*cuda_events=*/true, false});
    EXPECT_EQ(timing.mode, batchscope::profiler::GpuTimingMode::CudaEvents);
    const std::string line = timing.describe();
    std::printf("[ timing   ] %s\n", line.c_str());
    EXPECT_NE(line.find("CUDA events"), std::string::npos) << line;
    EXPECT_NE(line.find("CUPTI unavailable: libcupti.so.13 not found (tried /nonexistent/libcupti.so.13: no such file"),
              std::string::npos)
        << line;
    // The probe does not load CUPTI: its version stays unknown.
    BsGpuProbeInfo info{};
    info.struct_size = sizeof info;
    api->probe(&info);
    EXPECT_EQ(info.cupti_version, 0);
    unsetenv("BATCHSCOPE_CUPTI_LIBRARY");
}
#endif

}  // namespace
