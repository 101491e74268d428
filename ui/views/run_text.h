#pragma once
// Plain C++ wording of run facts for labels and chart markers. No Qt in here.
#include <optional>
#include <string>
#include <string_view>

#include "batchscope/engine/run_snapshot.h"

namespace batchscope::ui {

// "batch_size" -> "batch", "prefetch_depth" -> "prefetch", "workers" -> "workers" (the knob
// registry's short labels, knobs/knob.h).
std::string knob_short_name(std::string_view knob);

// "batch 128→64"
std::string knob_change_label(const engine::KnobChange& change);

// "batch 128 · prefetch 2 · workers 2"
std::string knobs_in_effect(const engine::RunSnapshot& s);

// Short backend name for the status bar: "CPU, OpenBLAS 0.3.21 DYNAMIC_ARCH ... (core: Haswell)"
// -> "CPU (OpenBLAS 0.3.21)", "cpu" -> "CPU (OpenBLAS)", "cuda" -> "GPU (CUDA)".
std::string backend_display_name(std::string_view backend);

// The status-bar line of a run's backend: "Backend: CPU (OpenBLAS)"; on a GPU with the device,
// how GPU work is timed and any dropped CUPTI records:
// "Backend: GPU (CUDA) · NVIDIA H100 · timing: CUPTI · 12 CUPTI records dropped".
std::string backend_status(const engine::RunSnapshot& s);

// Test accuracy of an epoch in percent; nullopt when it was not evaluated (a stopped epoch).
std::optional<double> accuracy_percent(const engine::EpochRecord& e);

// 12345.6 -> "12 346" (thin-space thousands separators, no decimals).
std::string group_thousands(double value);

}  // namespace batchscope::ui
