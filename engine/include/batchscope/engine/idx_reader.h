#pragma once
// Reader for the IDX format (LeCun's MNIST format), gzipped or plain.
#include <cstdint>
#include <string>
#include <vector>

namespace batchscope::engine {

struct IdxArray {
    uint8_t type_code = 0;        // 0x08 = unsigned byte
    std::vector<uint32_t> dims;   // e.g. {60000, 28, 28}
    std::vector<uint8_t> data;    // prod(dims) elements
};

// Reads and validates an IDX file of unsigned bytes. Throws DatasetError naming `path` when the
// file is missing, not IDX (wrong magic), of another element type, has implausible dimensions,
// is truncated, has trailing bytes, or its gzip stream is corrupt.
IdxArray read_idx_u8(const std::string& path);

}  // namespace batchscope::engine
