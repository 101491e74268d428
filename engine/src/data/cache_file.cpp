#include "batchscope/engine/data/cache_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "batchscope/engine/data/file_io.h"
#include "batchscope/engine/dataset_error.h"

namespace batchscope::engine::data {
namespace {

constexpr char kMagic[8] = {'B', 'S', 'C', 'A', 'C', 'H', 'E', '\x1a'};
constexpr uint32_t kByteOrderMark = 0x01020304u;

struct Header {
    char magic[8];
    uint32_t version;
    uint32_t byte_order;
    uint64_t count;
    uint32_t height, width, channels, classes;
    uint64_t data_offset, labels_offset, file_size;
    uint64_t payload_checksum;
    SourceStamp stamp;
    uint8_t reserved[16];
    uint64_t header_checksum;  // of the bytes above
};
static_assert(sizeof(Header) == 128, "the cache header is 128 bytes on disk");

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ull, kP2 = 0xC2B2AE3D27D4EB4Full, kP3 = 0x165667B19E3779F9ull;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t mix_round(uint64_t acc, uint64_t w) { return rotl(acc + w * kP2, 31) * kP1; }

uint64_t mtime_ns(const struct stat& st) {
    return static_cast<uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(st.st_mtim.tv_nsec);
}

}  // namespace

SourceStamp stamp_files(const std::string& a, const std::string& b) {
    SourceStamp s;
    struct stat st {};
    if (::stat(a.c_str(), &st) == 0) s.a_size = static_cast<uint64_t>(st.st_size), s.a_mtime_ns = mtime_ns(st);
    if (::stat(b.c_str(), &st) == 0) s.b_size = static_cast<uint64_t>(st.st_size), s.b_mtime_ns = mtime_ns(st);
    return s;
}

std::string default_cache_dir() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/') return std::string(x) + "/batchscope";
    if (const char* h = std::getenv("HOME"); h && *h == '/') return std::string(h) + "/.cache/batchscope";
    return (std::filesystem::temp_directory_path() / "batchscope-cache").string();
}

uint64_t checksum64(const uint8_t* p, size_t n) noexcept {
    // Four independent lanes (xxHash64's round) so that the multiplies overlap.
    uint64_t v[4] = {kP1 + kP2, kP2, 0, 0 - kP1};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; ++k) {
            uint64_t w;
            std::memcpy(&w, p + i + 8 * static_cast<size_t>(k), 8);
            v[k] = mix_round(v[k], w);
        }
    uint64_t h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18) + n;
    for (; i < n; ++i) h = rotl(h ^ (p[i] * kP3), 11) * kP1;
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    return h;
}

void write_cache_file(const std::string& path, ImageShape shape, int classes, std::span<const uint8_t> pixels,
                      std::span<const uint8_t> labels, const SourceStamp& stamp) {
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    Header h{};
    std::memcpy(h.magic, kMagic, sizeof kMagic);
    h.version = kCacheVersion;
    h.byte_order = kByteOrderMark;
    h.count = labels.size();
    h.height = static_cast<uint32_t>(shape.height);
    h.width = static_cast<uint32_t>(shape.width);
    h.channels = static_cast<uint32_t>(shape.channels);
    h.classes = static_cast<uint32_t>(classes);
    h.data_offset = kDirectAlign;  // samples start on a block boundary
    h.labels_offset = h.data_offset + pixels.size();
    h.file_size = h.labels_offset + labels.size();
    uint64_t c = checksum64(pixels.data(), pixels.size());
    h.payload_checksum = c ^ rotl(checksum64(labels.data(), labels.size()), 17);
    h.stamp = stamp;
    h.header_checksum = checksum64(reinterpret_cast<const uint8_t*>(&h), offsetof(Header, header_checksum));

    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f)
        throw DatasetError(path + ": cannot write the sample cache (" + std::strerror(errno) +
                           "); choose another folder with --cache-dir");
    std::vector<uint8_t> pad(kDirectAlign - sizeof(Header), 0);
    bool ok = std::fwrite(&h, sizeof h, 1, f) == 1 && std::fwrite(pad.data(), 1, pad.size(), f) == pad.size() &&
              std::fwrite(pixels.data(), 1, pixels.size(), f) == pixels.size() &&
              std::fwrite(labels.data(), 1, labels.size(), f) == labels.size();
    ok = (std::fclose(f) == 0) && ok;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw DatasetError(path + ": cannot write the sample cache (disk full or not writable); choose another "
                                  "folder with --cache-dir");
    }
}

std::string check_cache_file(const std::string& path, const SourceStamp& expect, CacheLayout& layout,
                             std::vector<uint8_t>& labels) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return "missing";
    try {
        MappedFile m(path);
        if (m.size() < sizeof(Header)) return "truncated header";
        Header h;
        std::memcpy(&h, m.data(), sizeof h);
        if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return "not a Batchscope sample cache (wrong magic)";
        if (h.byte_order != kByteOrderMark) return "written on a machine of another byte order";
        if (h.version != kCacheVersion)
            return "version " + std::to_string(h.version) + ", expected " + std::to_string(kCacheVersion);
        if (h.header_checksum != checksum64(m.data(), offsetof(Header, header_checksum))) return "corrupt header";
        if (!(h.stamp == expect)) return "stale (the dataset files changed)";
        const uint64_t sample = uint64_t{h.height} * h.width * h.channels;
        if (h.file_size != m.size() || h.labels_offset + h.count != h.file_size ||
            h.data_offset + h.count * sample != h.labels_offset || h.data_offset < sizeof(Header))
            return "size does not match its header (truncated or grown)";
        const uint64_t c = checksum64(m.data() + h.data_offset, h.count * sample) ^
                           rotl(checksum64(m.data() + h.labels_offset, h.count), 17);
        if (c != h.payload_checksum) return "checksum mismatch (corrupt data)";
        layout.count = static_cast<int64_t>(h.count);
        layout.shape = {static_cast<int>(h.height), static_cast<int>(h.width), static_cast<int>(h.channels)};
        layout.classes = static_cast<int>(h.classes);
        layout.data_offset = h.data_offset;
        layout.labels_offset = h.labels_offset;
        layout.file_size = h.file_size;
        labels.assign(m.data() + h.labels_offset, m.data() + h.labels_offset + h.count);
        for (uint8_t l : labels)
            if (l >= h.classes) return "label out of range";
        return {};
    } catch (const DatasetError& e) {
        return e.what();
    }
}

}  // namespace batchscope::engine::data
