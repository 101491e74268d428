#pragma once
// The fixture of the emulated training tests: BATCHSCOPE_GPU_PLUGIN points at the fake plugin
// (host-emulated kernels, a 200 MB fake device) unless BS_USE_REAL_PLUGIN is set, a small fake
// Fashion-MNIST, and a short run configuration.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "batchscope/engine/training_run.h"
#include "idx_fixture.h"

namespace bs_test {

class EmulatedTraining : public ::testing::Test {
protected:
    void SetUp() override {
        setenv("BS_FAKE_COMPUTE", "emulate", 1);
        setenv("BS_FAKE_DEVICE_BYTES", "200000000", 1);
        if (std::getenv("BS_USE_REAL_PLUGIN")) unsetenv("BATCHSCOPE_GPU_PLUGIN");  // the usual search
        else
            setenv("BATCHSCOPE_GPU_PLUGIN",
                   (std::filesystem::read_symlink("/proc/self/exe").parent_path() / BS_FAKE_COMPUTE_PLUGIN).c_str(), 1);
        write_fake_fashion_mnist(d.path, 600, 200);
    }
    void TearDown() override { unsetenv("BATCHSCOPE_GPU_PLUGIN"); }

    // 600 samples in batches of 50, in order, loaded in the training thread: 12 iterations an epoch.
    batchscope::engine::TrainConfig config(const std::string& backend) const {
        batchscope::engine::TrainConfig c;
        c.data_dir = d.path;
        c.cache_dir = d.path + "/cache";
        c.batch_size = 50;
        c.workers = 0;
        c.prefetch_depth = 0;
        c.shuffle = false;
        c.epochs = 1;
        c.model = "mlp:32,16";
        c.backend = backend;
        return c;
    }
    static std::shared_ptr<const batchscope::engine::RunSnapshot> train(const batchscope::engine::TrainConfig& c) {
        batchscope::engine::TrainingRun run(c);
        run.start();
        run.wait();
        return run.snapshot();
    }
    TempDir d;
};

}  // namespace bs_test
