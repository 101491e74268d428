#pragma once
// The sample cache file: a dataset decompressed once into fixed-size raw samples that can be
// read at random (pread or mmap). A 128-byte header (magic, version, byte-order mark, shape,
// offsets, a stamp of the source files, a checksum of the payload and one of the header) lets a
// reader refuse a file that is truncated, corrupt, of another version or stale.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/data/image.h"

namespace batchscope::engine::data {

inline constexpr uint32_t kCacheVersion = 1;

// Size and modification time of the files a cache was made from: a change makes it stale.
struct SourceStamp {
    uint64_t a_size = 0, a_mtime_ns = 0, b_size = 0, b_mtime_ns = 0;
    friend bool operator==(const SourceStamp&, const SourceStamp&) = default;
};
// Stamp of two files (missing files give zeros).
SourceStamp stamp_files(const std::string& a, const std::string& b);

struct CacheLayout {
    int64_t count = 0;
    ImageShape shape;
    int classes = 0;
    uint64_t data_offset = 0;    // sample i at data_offset + i * shape.bytes()
    uint64_t labels_offset = 0;  // count bytes
    uint64_t file_size = 0;
};

// $XDG_CACHE_HOME/batchscope, else $HOME/.cache/batchscope, else <temp dir>/batchscope-cache.
std::string default_cache_dir();

// A fast 64-bit checksum (not cryptographic).
uint64_t checksum64(const uint8_t* p, size_t n) noexcept;

// Writes the cache atomically (a temporary file renamed over `path`), creating its folder.
// Throws DatasetError naming the path when it cannot.
void write_cache_file(const std::string& path, ImageShape shape, int classes, std::span<const uint8_t> pixels,
                      std::span<const uint8_t> labels, const SourceStamp& stamp);

// Checks the whole file (header, size, stamp, checksum). Empty when valid, with `layout` and
// `labels` filled; else why it is not usable ("missing", "stale", "checksum mismatch", ...).
std::string check_cache_file(const std::string& path, const SourceStamp& expect, CacheLayout& layout,
                             std::vector<uint8_t>& labels);

}  // namespace batchscope::engine::data
