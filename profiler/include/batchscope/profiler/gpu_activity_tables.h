#pragma once
// The kernel and copy tables of gpu_activity.h kept up to date over a whole run: activities are
// folded in as they are drained and then forgotten, so memory grows with the number of distinct
// kernel names, not with the number of records.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "batchscope/profiler/gpu_activity.h"

namespace batchscope::profiler {

class GpuActivityTables {
public:
    void add(std::span<const GpuActivity> activities);

    // The same rows (and order) as kernel_table / copy_table over everything added so far.
    std::vector<KernelRow> kernels() const;
    std::vector<CopyRow> copies() const;
    const GpuActivityCounts& counts() const noexcept { return counts_; }

private:
    std::unordered_map<std::string, KernelRow> kernels_;
    std::map<std::pair<CopyDirection, bool>, CopyRow> copies_;
    GpuActivityCounts counts_;
};

}  // namespace batchscope::profiler
