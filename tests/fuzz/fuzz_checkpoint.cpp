// Model checkpoints (`infer --checkpoint`, `train --resume`): decode_checkpoint must refuse a
// foreign, truncated or corrupt file with a CheckpointError; an accepted one is a usable model.
#include <cstdint>
#include <vector>

#include "batchscope/engine/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<uint8_t> bytes(data, data + size);
    try {
        const auto c = batchscope::engine::decode_checkpoint(bytes, "fuzz.bsck");
        if (!c.model) __builtin_trap();
    } catch (const batchscope::engine::CheckpointError&) {
    }
    return 0;
}
