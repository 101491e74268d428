// The compute probe: a model's forward pass timed at a few batch sizes (compute_probe.h).
#include "batchscope/engine/model/compute_probe.h"

#include <algorithm>
#include <limits>
#include <new>

#include "batchscope/profiler/clock.h"

namespace batchscope::engine::model {

ComputeProbe probe_compute(Model& m, std::span<const int> sizes, int64_t budget_ns, int reps) {
    ComputeProbe out;
    const int64_t t0 = profiler::now_ns();
    std::vector<int> todo;
    for (int s : sizes)
        if (s > 0) todo.push_back(s);
    std::sort(todo.begin(), todo.end());
    todo.erase(std::unique(todo.begin(), todo.end()), todo.end());
    if (todo.empty()) return out;
    if (m.gpu_backend() != nullptr) {
        out.note = "not timed: the model computes on a GPU";
        return out;
    }
    const int64_t features = m.input_shape().size();
    constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
    std::vector<int64_t> best(todo.size(), kNever);  // fastest timed pass per size
    std::vector<int64_t> first(todo.size(), 0);     // the untimed pass (0: the size was not run)
    try {
        // Synthetic input in [0, 1): a fixed pattern, no random generator touched.
        std::vector<float> x(static_cast<size_t>(todo.back()) * static_cast<size_t>(features));
        for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 251) / 251.0f;
        std::vector<float> logits(static_cast<size_t>(todo.back()) * static_cast<size_t>(m.classes()));
        InferWorkspace ws;
        auto pass = [&](int b) {
            const int64_t a = profiler::now_ns();
            m.predict(x.data(), b, logits.data(), ws);
            return std::max<int64_t>(1, profiler::now_ns() - a);
        };
        // The untimed passes, smallest first; a larger size is run only when its pass, estimated in
        // proportion to the samples, still fits in the budget.
        for (size_t i = 0; i < todo.size(); ++i) {
            if (i > 0) {
                const double estimate = static_cast<double>(first[i - 1]) * todo[i] / todo[i - 1];
                if (static_cast<double>(profiler::now_ns() - t0) + 2 * estimate > static_cast<double>(budget_ns)) break;
            }
            first[i] = pass(todo[i]);
        }
        // Timed passes, the sizes taking turns, while a whole turn fits in the budget.
        for (int r = 0; r < reps; ++r) {
            double turn = 0;
            for (size_t i = 0; i < todo.size(); ++i)
                if (first[i] > 0) turn += static_cast<double>(best[i] == kNever ? first[i] : best[i]);
            if (static_cast<double>(profiler::now_ns() - t0) + turn > static_cast<double>(budget_ns)) break;
            for (size_t i = 0; i < todo.size(); ++i)
                if (first[i] > 0) best[i] = std::min(best[i], pass(todo[i]));
        }
    } catch (const std::bad_alloc&) {
        out.note = "out of memory at batch " + std::to_string(todo.back());
    } catch (const std::exception& e) {
        out.note = std::string("not timed: ") + e.what();
    }
    for (size_t i = 0; i < todo.size(); ++i) {
        if (best[i] != kNever) out.points.push_back({todo[i], best[i]});
        else if (out.note.empty()) out.note = "batch " + std::to_string(todo[i]) + " not timed within the probe's time";
    }
    out.elapsed_ns = profiler::now_ns() - t0;
    return out;
}

}  // namespace batchscope::engine::model
