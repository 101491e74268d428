#pragma once
// Model checkpoints: a small, versioned binary file holding the model (its spec and every
// parameter tensor), how inputs are scaled, provenance metadata and a CRC32, so a served model is
// exactly the trained one. All integers and floats little-endian.
//
// Format version 2 (written now; any model of engine/model/model_spec.h):
//
//   offset  size        field
//   0       8           magic "\x89BSCKPT\n" (the 0x89 and \n catch text-mode and 7-bit damage)
//   8       4  u32      format version (2)
//   12      4  u32      flags (0; reserved)
//   16      4  u32      s = model spec length (1..256)
//   20      s           model spec, ASCII, canonical (e.g. "mlp:256,128:relu", "cnn:32,64:fc=128:relu",
//                       "logreg", "svm"): the layer stack is rebuilt from it
//   ..      4  u32      classes (2..65,536)
//   ..      12 u32 x 3  input image height, width, channels (channels 1..4); the model's input is
//                       channels x height x width floats
//   ..      8c f32      per-channel mean, then per-channel std (std > 0): input feature of an 8-bit
//                       pixel of channel c is (pixel / 255 - mean[c]) / std[c]
//   ..      4  u32      m = metadata length in bytes (at most 1 MiB)
//   ..      m           metadata: UTF-8 JSON object, provenance only (dataset, epochs, accuracy, optimizer)
//   ..      4  u32      T = number of parameter tensors (must equal what the spec builds)
//   per tensor:
//           4  u32      n = name length
//           n           name, ASCII: "<layer index>.weight" or ".bias" (must match the spec's)
//           8  u64      count P (must match the spec's tensor)
//           4P f32      values (Linear weights [out x in], Conv2d weights [out x in x k x k], biases)
//   ..      4  u32      CRC32 (zlib) of every byte before it
//
// Format version 1 (written by Batchscope before the model stack; still read, as an MLP with
// ReLU): magic, version 1, flags, u32 n widths (2..64) and n u32 widths (inputs, hidden...,
// classes), the input shape and scaling as above, the metadata, u64 parameter count, then per
// layer weights [out x in] and biases [out], and the CRC32.
//
// A reader refuses, with a message naming the file: a missing file, a foreign file (bad magic), a
// newer format version, a truncated file, and a corrupt one (CRC, a field out of range, or a
// tensor that does not fit the spec).
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "batchscope/engine/mlp.h"
#include "batchscope/engine/model/model.h"

namespace batchscope::engine {

class CheckpointError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr uint32_t kCheckpointVersion = 2;

// How raw 8-bit pixels become the model's inputs, and where the model came from.
struct CheckpointInfo {
    int height = 28, width = 28, channels = 1;
    std::vector<float> mean{0.f};    // one per channel
    std::vector<float> stddev{1.f};  // one per channel
    std::string metadata_json = "{}";
};

struct LoadedCheckpoint {
    std::unique_ptr<model::Model> model;
    CheckpointInfo info;
    uint32_t version = 0;
};

// Writes atomically (a temporary file renamed over `path`). Throws CheckpointError.
void save_checkpoint(const std::string& path, const model::Model& model, const CheckpointInfo& info);
void save_checkpoint(const std::string& path, const Mlp& model, const CheckpointInfo& info);

// Reads and validates. Throws CheckpointError.
LoadedCheckpoint load_checkpoint(const std::string& path);

// The bytes of a checkpoint, and their parser (what the functions above use; for tests).
std::vector<uint8_t> encode_checkpoint(const model::Model& model, const CheckpointInfo& info);
std::vector<uint8_t> encode_checkpoint(const Mlp& model, const CheckpointInfo& info);  // as an MLP (ReLU)
LoadedCheckpoint decode_checkpoint(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace batchscope::engine
