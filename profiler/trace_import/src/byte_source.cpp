#include "byte_source.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>

#include "batchscope/trace_import/trace_model.h"

namespace batchscope::trace_import::detail {

ByteSource::ByteSource(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) throw ImportError("no such file");
    if (fs::is_directory(path, ec)) throw ImportError("is a folder, not a trace file");
    file_bytes_ = fs::file_size(path, ec);
    if (ec) throw ImportError("cannot read its size: " + ec.message());
    {
        std::ifstream f(path, std::ios::binary);
        unsigned char magic[2] = {};
        f.read(reinterpret_cast<char*>(magic), 2);
        gzip_ = f.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }
    gzFile g = gzopen(path.c_str(), "rb");
    if (!g) throw ImportError("cannot be opened for reading");
    gzbuffer(g, 1u << 20);
    gz_ = g;
}

ByteSource::~ByteSource() {
    if (gz_) gzclose_r(static_cast<gzFile>(gz_));
}

size_t ByteSource::read(char* dst, size_t n) {
    if (gzip_truncated_) return 0;
    auto g = static_cast<gzFile>(gz_);
    const unsigned ask = static_cast<unsigned>(std::min<size_t>(n, INT_MAX / 2));
    const int got = gzread(g, dst, ask);
    int err = Z_OK;
    const char* msg = gzerror(g, &err);
    if (err == Z_BUF_ERROR) {  // the gzip stream ends early: what came before it is kept
        gzip_truncated_ = true;
        truncated_at_ = file_offset();
    } else if (got < 0 || (err != Z_OK && err != Z_STREAM_END)) {
        throw ImportError(std::string("the gzip data is corrupt (") + msg + ") at compressed byte " +
                          std::to_string(file_offset()) + ", after " + std::to_string(out_bytes_) +
                          " bytes of JSON");
    }
    if (got <= 0) return 0;
    out_bytes_ += static_cast<uint64_t>(got);
    return static_cast<size_t>(got);
}

uint64_t ByteSource::file_offset() const {
    const z_off_t off = gzoffset(static_cast<gzFile>(gz_));
    return off < 0 ? 0 : static_cast<uint64_t>(off);
}

}  // namespace batchscope::trace_import::detail
