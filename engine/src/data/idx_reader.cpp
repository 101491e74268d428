#include "batchscope/engine/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

#include "batchscope/engine/dataset_error.h"

namespace batchscope::engine {
namespace {

constexpr uint64_t kMaxElements = uint64_t{1} << 32;  // 4 GiB of bytes: far above any dataset here

struct GzCloser {
    void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw DatasetError(path + ": " + what);
}

// Reads exactly n bytes unless the stream ends; returns how many were read.
size_t read_some(gzFile f, const std::string& path, uint8_t* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
        const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 30));
        const int r = gzread(f, dst + got, chunk);
        if (r < 0) {
            int err = 0;
            const char* msg = gzerror(f, &err);
            fail(path, std::string("corrupt or unreadable gzip data (") + (msg ? msg : "?") +
                           "); re-install or re-download the file");
        }
        if (r == 0) break;
        got += static_cast<size_t>(r);
    }
    return got;
}

uint32_t be32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

IdxArray read_idx_u8(const std::string& path) {
    errno = 0;
    GzFile f(gzopen(path.c_str(), "rb"));
    if (!f) fail(path, std::string("cannot open: ") + (errno ? std::strerror(errno) : "out of memory"));
    gzbuffer(f.get(), 1u << 17);

    uint8_t magic[4];
    if (read_some(f.get(), path, magic, 4) != 4) fail(path, "file is empty or shorter than an IDX header");
    if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0 || magic[3] > 4)
        fail(path, "not an IDX file (magic bytes " + std::to_string(magic[0]) + " " + std::to_string(magic[1]) +
                       " " + std::to_string(magic[2]) + " " + std::to_string(magic[3]) + ")");
    IdxArray a;
    a.type_code = magic[2];
    if (a.type_code != 0x08)
        fail(path, "IDX element type " + std::to_string(a.type_code) + " is not supported (expected 8, unsigned byte)");

    const size_t ndim = magic[3];
    uint8_t dimbuf[16];
    if (read_some(f.get(), path, dimbuf, 4 * ndim) != 4 * ndim) fail(path, "truncated IDX header");
    uint64_t elements = 1;
    for (size_t i = 0; i < ndim; ++i) {
        const uint32_t d = be32(dimbuf + 4 * i);
        if (d == 0) fail(path, "dimension " + std::to_string(i) + " is zero");
        a.dims.push_back(d);
        elements *= d;
        if (elements > kMaxElements) fail(path, "implausible dimensions (more than 2^32 elements)");
    }

    // The buffer grows with the data actually read, not with what the header claims: a 30-byte
    // file whose header claims 4 GiB is refused as truncated without allocating 4 GiB first
    // (found by fuzzing, tests/fuzz).
    constexpr size_t kChunk = size_t{64} << 20;
    size_t got = 0;
    while (got < elements) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(elements - got, kChunk));
        a.data.resize(got + want);
        const size_t n = read_some(f.get(), path, a.data.data() + got, want);
        got += n;
        if (n < want) break;
    }
    if (got != elements)
        fail(path, "truncated: the header promises " + std::to_string(elements) + " bytes of data, the file has " +
                       std::to_string(got));
    uint8_t extra[64];
    const size_t trailing = read_some(f.get(), path, extra, sizeof extra);
    if (trailing != 0) {  // most often a header of another IDX type (a wrong dimension count)
        std::string shape;
        for (uint32_t d : a.dims) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
        fail(path, "unexpected bytes after the data: the header describes " + std::to_string(ndim) + " dimension(s) (" + shape + ", " +
                       std::to_string(a.data.size()) + " bytes) but the file holds more data: not the IDX type it "
                       "claims to be (a wrong dimension count in its header), or a different file");
    }
    return a;
}

}  // namespace batchscope::engine
