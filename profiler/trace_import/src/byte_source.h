#pragma once
// A file read in chunks, gunzipped on the fly when it is gzip (zlib reads plain files as they are).
#include <cstdint>
#include <string>

namespace batchscope::trace_import::detail {

class ByteSource {
public:
    explicit ByteSource(const std::string& path);  // throws ImportError
    ~ByteSource();
    ByteSource(const ByteSource&) = delete;
    ByteSource& operator=(const ByteSource&) = delete;

    // Up to n bytes; 0 at the end. Throws ImportError when the gzip stream is corrupt; a gzip
    // stream that ends early ends the data (gzip_truncated() tells).
    size_t read(char* dst, size_t n);
    uint64_t file_bytes() const noexcept { return file_bytes_; }
    uint64_t file_offset() const;  // bytes of the file consumed so far
    bool gzip() const noexcept { return gzip_; }
    bool gzip_truncated() const noexcept { return gzip_truncated_; }
    uint64_t gzip_truncated_at() const noexcept { return truncated_at_; }  // compressed byte

private:
    void* gz_ = nullptr;  // gzFile
    uint64_t file_bytes_ = 0;
    uint64_t out_bytes_ = 0;
    bool gzip_ = false;
    bool gzip_truncated_ = false;
    uint64_t truncated_at_ = 0;
};

}  // namespace batchscope::trace_import::detail
