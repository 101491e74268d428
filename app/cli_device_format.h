#pragma once
// The GPU side of a training or inference run for `train` and `infer`: device memory, CUPTI's
// record counts, the kernel table and the copy table (text, and JSON).
#include <nlohmann/json.hpp>

#include "batchscope/engine/run_snapshot.h"

namespace batchscope::cli {

void print_device(const engine::DeviceView& d);
nlohmann::json device_json(const engine::DeviceView& d);

}  // namespace batchscope::cli
