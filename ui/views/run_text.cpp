#include "run_text.h"

#include <cmath>

#include "batchscope/engine/data/storage_profile.h"
#include "batchscope/knobs/knob.h"

namespace batchscope::ui {

std::string knob_short_name(std::string_view knob) { return knobs::short_label_of(knob); }

std::string knob_change_label(const engine::KnobChange& change) {
    if (knobs::from_name(change.knob) == knobs::Knob::StorageProfile) {
        auto id = [](int64_t v) -> std::string {
            if (v < 0 || v >= engine::data::kStorageKindCount) return std::to_string(v);
            return engine::data::storage_profile(static_cast<engine::data::StorageKind>(v)).id;
        };
        return "storage " + id(change.old_value) + "\u2192" + id(change.new_value);
    }
    return knob_short_name(change.knob) + ' ' + std::to_string(change.old_value) + "\u2192" +
           std::to_string(change.new_value);
}

std::string knobs_in_effect(const engine::RunSnapshot& s) {
    return "batch " + std::to_string(s.batch_size) + " \u00b7 prefetch " +
           std::to_string(s.prefetch_depth) + " \u00b7 workers " + std::to_string(s.workers);
}

std::string backend_display_name(std::string_view backend) {
    if (backend == "cpu" || backend.empty()) return "CPU (OpenBLAS)";
    if (backend == "cuda" || backend == "gpu") return "GPU (CUDA)";
    const size_t comma = backend.find(", ");
    if (comma == std::string_view::npos) return std::string(backend);
    // Device, then the library's name and version: the first two words after the comma.
    std::string_view rest = backend.substr(comma + 2);
    size_t end = rest.find(' ');
    if (end != std::string_view::npos) end = rest.find(' ', end + 1);
    return std::string(backend.substr(0, comma)) + " (" + std::string(rest.substr(0, end)) + ")";
}

std::string backend_status(const engine::RunSnapshot& s) {
    std::string line = "Backend: " + backend_display_name(s.backend);
    if (s.gpu_timing.mode == profiler::GpuTimingMode::None) return line;
    if (!s.device.name.empty()) line += " \u00b7 " + s.device.name;
    line += s.gpu_timing.mode == profiler::GpuTimingMode::Cupti ? " \u00b7 timing: CUPTI" : " \u00b7 timing: CUDA events (no CUPTI)";
    if (s.device.cupti_dropped > 0) line += " \u00b7 " + std::to_string(s.device.cupti_dropped) + " CUPTI records dropped";
    return line;
}

std::optional<double> accuracy_percent(const engine::EpochRecord& e) {
    if (e.test_accuracy < 0) return std::nullopt;
    return e.test_accuracy * 100.0;
}

std::string group_thousands(double value) {
    if (!std::isfinite(value)) return "\u2013";
    const bool negative = value < 0;
    std::string digits = std::to_string(static_cast<long long>(std::llround(std::fabs(value))));
    std::string out;
    const size_t n = digits.size();
    for (size_t i = 0; i < n; ++i) {
        if (i > 0 && (n - i) % 3 == 0) out += "\u2009";
        out += digits[i];
    }
    return negative ? "-" + out : out;
}

}  // namespace batchscope::ui
