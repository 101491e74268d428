// The probe's answers when the plugin is missing, broken, foreign or fake (no GPU needed).
#include "batchscope/engine/gpu_probe.h"
#include "test_paths.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

using batchscope::engine::GpuProbeResult;
using batchscope::engine::probe_gpu;
using batchscope::test::beside_exe;
using testing::HasSubstr;

namespace {

class GpuProbe : public testing::Test {
protected:
    void SetUp() override { unsetenv("BATCHSCOPE_GPU_PLUGIN"); }
    void TearDown() override {
        unsetenv("BATCHSCOPE_GPU_PLUGIN");
        unsetenv("BS_FAKE_PROBE");
    }
};

void expect_cpu_fallback(const GpuProbeResult& r) {
    EXPECT_FALSE(r.usable);
    EXPECT_THAT(r.reason, HasSubstr("running on the CPU"));
    EXPECT_EQ(r.summary(), "GPU unavailable: " + r.reason);
}

TEST_F(GpuProbe, MissingPathIsNamed) {
    const std::string path = "/nonexistent/dir/libbatchscope_cuda.so";
    const GpuProbeResult r = probe_gpu(path);
    expect_cpu_fallback(r);
    EXPECT_THAT(r.reason, HasSubstr(path));
    EXPECT_THAT(r.reason, HasSubstr("does not exist"));
    EXPECT_EQ(r.plugin_path, path);
}

TEST_F(GpuProbe, MissingPathFromEnvironmentIsNamed) {
    setenv("BATCHSCOPE_GPU_PLUGIN", "/nonexistent/plugin.so", 1);
    const GpuProbeResult r = probe_gpu();
    expect_cpu_fallback(r);
    EXPECT_THAT(r.reason, HasSubstr("/nonexistent/plugin.so"));
    EXPECT_THAT(r.reason, HasSubstr("BATCHSCOPE_GPU_PLUGIN"));
}

TEST_F(GpuProbe, JunkFileFailsToLoad) {
    const auto junk = std::filesystem::temp_directory_path() /
                      ("bs_junk_plugin_" + std::to_string(getpid()) + ".so");
    std::ofstream(junk) << "this is not a shared library\n";
    const GpuProbeResult r = probe_gpu(junk.string());
    std::filesystem::remove(junk);
    expect_cpu_fallback(r);
    EXPECT_THAT(r.reason, HasSubstr(junk.string()));
    EXPECT_THAT(r.reason, HasSubstr("failed to load"));
}

TEST_F(GpuProbe, MissingCudaLibraryIsNamed) {
    const GpuProbeResult r = probe_gpu(beside_exe(BS_FAKE_MISSING_DEP));
    expect_cpu_fallback(r);
    EXPECT_THAT(r.reason, HasSubstr("failed to load"));
    EXPECT_THAT(r.reason, HasSubstr("libcudart_bs_test_missing.so"));  // dlerror's text
    EXPECT_THAT(r.reason, HasSubstr("a CUDA library it needs is not installed"));
}

TEST_F(GpuProbe, ModuleWithoutEntrySymbol) {
    const GpuProbeResult r = probe_gpu(beside_exe(BS_FAKE_NO_ENTRY));
    expect_cpu_fallback(r);
    EXPECT_THAT(r.reason, HasSubstr("is not a Batchscope GPU plugin"));
    EXPECT_THAT(r.reason, HasSubstr("batchscope_gpu_plugin_entry"));
}

TEST_F(GpuProbe, PluginOfAnotherAbiVersion) {
    const GpuProbeResult r = probe_gpu(beside_exe(BS_FAKE_WRONG_ABI));
    expect_cpu_fallback(r);
    EXPECT_THAT(r.reason, HasSubstr("has plugin ABI version 2, this program needs version 1"));
}

TEST_F(GpuProbe, PluginRefusingOurAbiVersion) {
    setenv("BS_FAKE_PROBE", "refuse_abi", 1);
    const GpuProbeResult r = probe_gpu(beside_exe(BS_FAKE_SCRIPTED));
    expect_cpu_fallback(r);
    EXPECT_THAT(r.reason, HasSubstr("does not support plugin ABI version 1"));
}

TEST_F(GpuProbe, EnvironmentPathIsUsed) {
    setenv("BATCHSCOPE_GPU_PLUGIN", beside_exe(BS_FAKE_SCRIPTED).c_str(), 1);
    setenv("BS_FAKE_PROBE", "ok", 1);
    const GpuProbeResult r = probe_gpu();
    EXPECT_TRUE(r.usable) << r.reason;
    EXPECT_EQ(r.plugin_path, beside_exe(BS_FAKE_SCRIPTED));
}

struct FakeCase {
    const char* mode;
    const char* reason_part;
};
void PrintTo(const FakeCase& c, std::ostream* os) { *os << c.mode; }  // readable test names

class GpuProbeFake : public GpuProbe, public testing::WithParamInterface<FakeCase> {};

TEST_P(GpuProbeFake, ReasonNamesTheCause) {
    setenv("BS_FAKE_PROBE", GetParam().mode, 1);
    const GpuProbeResult r = probe_gpu(beside_exe(BS_FAKE_SCRIPTED));
    expect_cpu_fallback(r);
    EXPECT_THAT(r.reason, HasSubstr(GetParam().reason_part));
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, GpuProbeFake,
    testing::Values(
        FakeCase{"no_driver", "NVIDIA driver not found or too old (cudaErrorInsufficientDriver): "
                              "install the NVIDIA driver to use the GPU — running on the CPU"},
        FakeCase{"old_driver", "NVIDIA driver too old: it supports CUDA 12.4, this build needs "
                               "CUDA 13.0"},
        FakeCase{"no_device", "no NVIDIA GPU found (cudaErrorNoDevice)"},
        FakeCase{"zero", "the NVIDIA driver reports no GPU"},
        FakeCase{"error", "CUDA error while probing the GPU: cudaErrorUnknown (unknown error, "
                          "code 999)"}),
    [](const auto& param_info) { return std::string(param_info.param.mode); });

TEST_F(GpuProbe, UsableSummaryIsOneLine) {
    setenv("BS_FAKE_PROBE", "ok", 1);
    const GpuProbeResult r = probe_gpu(beside_exe(BS_FAKE_SCRIPTED));
    ASSERT_TRUE(r.usable) << r.reason;
    EXPECT_TRUE(r.reason.empty());
    EXPECT_EQ(r.device_count, 2);
    EXPECT_EQ(r.summary(), "GPU: NVIDIA H100 80GB HBM3 (driver 13.0, CUDA runtime 13.0)");
}

#ifdef BS_REAL_PLUGIN
// The real plugin, found by the default search beside this executable. On a machine without
// a driver it must say so; on a GPU machine it must describe the GPU.
TEST_F(GpuProbe, RealPluginBesideProgram) {
    const GpuProbeResult r = probe_gpu();
    EXPECT_EQ(r.plugin_path, beside_exe(BS_REAL_PLUGIN));
    std::cout << "[ probe    ] " << r.summary() << "\n";
    EXPECT_GT(r.runtime_version, 0);
    if (r.usable) {
        EXPECT_GT(r.device_count, 0);
        EXPECT_FALSE(r.device_name.empty());
        EXPECT_GT(r.driver_version, 0);
    } else {
        EXPECT_THAT(r.reason, HasSubstr("driver")) << "a GPU machine needs a driver";
        EXPECT_THAT(r.reason, HasSubstr("running on the CPU"));
    }
}

TEST_F(GpuProbe, RealPluginProbesTwiceTheSame) {
    const GpuProbeResult a = probe_gpu();
    const GpuProbeResult b = probe_gpu();
    EXPECT_EQ(a.summary(), b.summary());
}
#endif

}  // namespace
