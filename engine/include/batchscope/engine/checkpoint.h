#pragma once
// MLP checkpoints: a small, versioned binary file holding the widths, how inputs are scaled, the
// float32 parameters and a CRC32, so a served model is exactly the trained one.
//
// Format version 1, all integers and floats little-endian:
//
//   offset  size        field
//   0       8           magic "\x89BSCKPT\n" (the 0x89 and \n catch text-mode and 7-bit damage)
//   8       4  u32      format version (1)
//   12      4  u32      flags (0; reserved)
//   16      4  u32      n = number of widths (2..64): inputs, hidden..., classes
//   20      4n u32      widths (each 1..1,048,576)
//   ..      12 u32 x 3  input image height, width, channels (channels 1..4;
//                       height * width * channels == widths[0])
//   ..      8c f32      per-channel mean, then per-channel std (std > 0): input feature k of an
//                       8-bit image in HWC order is (pixel / 255 - mean[k % c]) / std[k % c]
//   ..      4  u32      m = metadata length in bytes (at most 1 MiB)
//   ..      m           metadata: UTF-8 JSON object, provenance only (dataset, epochs, accuracy)
//   ..      8  u64      parameter count P (must equal the sum over layers of out * in + out)
//   ..      4P f32      per layer: weights [out x in] row-major, then biases [out]
//   ..      4  u32      CRC32 (zlib) of every byte before it
//
// A reader refuses, with a message naming the file: a missing file, a foreign file (bad magic), a
// newer format version, a truncated file, and a corrupt one (CRC or field out of range).
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "batchscope/engine/mlp.h"

namespace batchscope::engine {

class CheckpointError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr uint32_t kCheckpointVersion = 1;

// How raw 8-bit pixels become the model's inputs, and where the model came from.
struct CheckpointInfo {
    int height = 28, width = 28, channels = 1;
    std::vector<float> mean{0.f};    // one per channel
    std::vector<float> stddev{1.f};  // one per channel
    std::string metadata_json = "{}";
};

struct LoadedCheckpoint {
    std::unique_ptr<Mlp> model;
    CheckpointInfo info;
    uint32_t version = 0;
};

// Writes atomically (a temporary file renamed over `path`). Throws CheckpointError.
void save_checkpoint(const std::string& path, const Mlp& model, const CheckpointInfo& info);

// Reads and validates. Throws CheckpointError.
LoadedCheckpoint load_checkpoint(const std::string& path);

// The bytes of a checkpoint, and their parser (what the functions above use; for tests).
std::vector<uint8_t> encode_checkpoint(const Mlp& model, const CheckpointInfo& info);
LoadedCheckpoint decode_checkpoint(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace batchscope::engine
