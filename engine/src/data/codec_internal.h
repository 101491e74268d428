#pragma once
// Internal: header-only probes of each format, used by probe_image().
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/data/image.h"

namespace batchscope::engine::data {

std::string probe_jpeg(std::span<const uint8_t> data, ImageShape& shape);
std::string probe_png(std::span<const uint8_t> data, ImageShape& shape);
// Appends one PNG chunk (length, type, data, CRC) to `out`.
void append_png_chunk(std::vector<uint8_t>& out, const char* type, const uint8_t* data, size_t n);

}  // namespace batchscope::engine::data
