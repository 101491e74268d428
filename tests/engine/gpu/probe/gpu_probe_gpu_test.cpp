// Needs a GPU (label gpu): the real plugin, found beside this program, must see a device.
#include "batchscope/engine/gpu_probe.h"

#include <gtest/gtest.h>

#include <iostream>

using batchscope::engine::probe_gpu;

TEST(GpuProbeOnGpu, SeesADevice) {
    const auto r = probe_gpu();
    std::cout << "[ probe    ] plugin: " << r.plugin_path << "\n"
              << "[ probe    ] " << r.summary() << "\n"
              << "[ probe    ] devices: " << r.device_count << ", driver " << r.driver_version
              << ", runtime " << r.runtime_version << "\n";
    ASSERT_TRUE(r.usable) << r.reason;
    EXPECT_GE(r.device_count, 1);
    EXPECT_FALSE(r.device_name.empty());
    EXPECT_GT(r.driver_version, 0);
    EXPECT_TRUE(r.reason.empty());
}
