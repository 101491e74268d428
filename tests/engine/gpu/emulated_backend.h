#pragma once
// A GpuBackend on the fake plugin beside the test binary, its kernels EMULATED on the host, with a
// fake device of `device_bytes` (the GPU network and pipeline tests).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "batchscope/engine/gpu_backend.h"

namespace bs_test {

inline std::unique_ptr<batchscope::engine::GpuBackend> open_emulated(const char* device_bytes = "100000000") {
    setenv("BS_FAKE_COMPUTE", "emulate", 1);
    setenv("BS_FAKE_DEVICE_BYTES", device_bytes, 1);
    batchscope::engine::GpuBackendOptions o;
    o.plugin_path = (std::filesystem::read_symlink("/proc/self/exe").parent_path() / BS_FAKE_COMPUTE_PLUGIN).string();
    std::string why;
    auto b = batchscope::engine::GpuBackend::open(o, why);
    EXPECT_TRUE(b) << why;
    return b;
}

}  // namespace bs_test
