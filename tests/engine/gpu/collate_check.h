#pragma once
// 8-bit batches converted on the device (GpuBackend::collate_u8) against the host's data::Collator:
// grey and RGB, plain x / 255 and normalised, every byte value; the floats must be the same bits.
// Shared by the emulated test (fake plugin, gpu_backend_test) and the GPU one (gpu_compute_gpu_test).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "batchscope/engine/data/augment.h"
#include "batchscope/engine/gpu_backend.h"

namespace bs_test {

inline void expect_device_collate_matches_host(batchscope::engine::GpuBackend& gpu) {
    using namespace batchscope::engine;
    ASSERT_TRUE(gpu.device_collate());
    for (const int channels : {1, 3}) {
        for (const bool normalize : {false, true}) {
            data::AugmentOptions o;
            o.normalize = normalize;
            o.mean = {0.2860f, 0.4f, 0.45f};
            o.stddev = {0.3530f, 0.21f, 0.27f};
            const data::Collator collate(o, channels);
            const data::ImageShape shape{9, 7, channels};  // 63 pixels
            const int n = 5;
            const auto f = static_cast<size_t>(shape.bytes());
            std::vector<uint8_t> hwc(n * f);
            for (size_t i = 0; i < hwc.size(); ++i) hwc[i] = static_cast<uint8_t>((i * 37 + i / 256) % 256);
            hwc[0] = 0, hwc[1] = 255;
            std::vector<float> want(n * f);
            for (int s = 0; s < n; ++s) collate(hwc.data() + s * f, shape, want.data() + s * f);

            PinnedBuffer in = gpu.pinned(hwc.size()), out = gpu.pinned_floats(want.size());
            std::memcpy(in.data(), hwc.data(), hwc.size());
            DeviceBuffer d_hwc = gpu.device(hwc.size()), d_chw = gpu.device_floats(want.size());
            gpu.copy_h2d(d_hwc.data(), in.data(), hwc.size(), GpuStream::compute);
            gpu.collate_u8(static_cast<const uint8_t*>(d_hwc.data()), n, static_cast<int>(shape.pixels()), channels,
                           collate.scale(), collate.bias(), d_chw.floats());
            gpu.copy_d2h(out.data(), d_chw.data(), want.size() * sizeof(float), GpuStream::compute);
            gpu.synchronize(GpuStream::compute);
            const std::string what = std::to_string(channels) + " channel(s)" + (normalize ? ", normalised" : "");
            for (size_t i = 0; i < want.size(); ++i) {
                uint32_t a = 0, b = 0;
                std::memcpy(&a, out.floats() + i, 4);
                std::memcpy(&b, want.data() + i, 4);
                ASSERT_EQ(a, b) << what << ", float " << i << ": " << out.floats()[i] << " vs " << want[i];
            }
        }
    }
}

}  // namespace bs_test
