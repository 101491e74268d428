#include "batchscope/engine/checkpoint.h"

#include <zlib.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace batchscope::engine {
namespace {

static_assert(std::endian::native == std::endian::little, "checkpoints are read and written little-endian");

constexpr char kMagic[8] = {'\x89', 'B', 'S', 'C', 'K', 'P', 'T', '\n'};
constexpr uint32_t kMaxWidths = 64, kMaxWidth = 1u << 20, kMaxMetadata = 1u << 20;
constexpr uint64_t kMaxFileBytes = uint64_t{4} << 30;

uint32_t crc_of(const uint8_t* p, size_t n) {
    uLong c = crc32(0L, Z_NULL, 0);
    while (n > 0) {  // zlib takes uInt lengths
        const uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
        c = crc32(c, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return static_cast<uint32_t>(c);
}

class Writer {
public:
    template <class T>
    void put(T v) {
        const auto* p = reinterpret_cast<const uint8_t*>(&v);
        out.insert(out.end(), p, p + sizeof(T));
    }
    void put_bytes(const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        out.insert(out.end(), b, b + n);
    }
    std::vector<uint8_t> out;
};

// Reads fields; running past the end means the file was cut short.
class Reader {
public:
    Reader(const std::vector<uint8_t>& b, const std::string& name) : bytes_(b), name_(name) {}
    template <class T>
    T get(const char* what) {
        T v;
        std::memcpy(&v, need(sizeof(T), what), sizeof(T));
        return v;
    }
    const uint8_t* need(size_t n, const char* what) {
        if (bytes_.size() - pos_ < n)
            throw CheckpointError(name_ + ": truncated checkpoint: the file ends (at byte " +
                                  std::to_string(bytes_.size()) + ") inside the " + what);
        const uint8_t* p = bytes_.data() + pos_;
        pos_ += n;
        return p;
    }
    size_t pos() const noexcept { return pos_; }

private:
    const std::vector<uint8_t>& bytes_;
    const std::string& name_;
    size_t pos_ = 0;
};

[[noreturn]] void corrupt(const std::string& name, const std::string& why) {
    throw CheckpointError(name + ": corrupt checkpoint: " + why);
}

}  // namespace

std::vector<uint8_t> encode_checkpoint(const Mlp& model, const CheckpointInfo& info) {
    const auto& widths = model.widths();
    const size_t c = static_cast<size_t>(info.channels);
    if (info.channels < 1 || info.channels > 4 || info.mean.size() != c || info.stddev.size() != c)
        throw CheckpointError("checkpoint: 1 to 4 channels, with one mean and one std per channel");
    if (int64_t{info.height} * info.width * info.channels != widths.front())
        throw CheckpointError(std::string("checkpoint: the input shape ") + std::to_string(info.height) + "x" +
                              std::to_string(info.width) + "x" + std::to_string(info.channels) +
                              " does not match the model's " + std::to_string(widths.front()) + " inputs");
    Writer w;
    w.put_bytes(kMagic, sizeof kMagic);
    w.put(kCheckpointVersion);
    w.put(uint32_t{0});
    w.put(static_cast<uint32_t>(widths.size()));
    for (int v : widths) w.put(static_cast<uint32_t>(v));
    w.put(static_cast<uint32_t>(info.height));
    w.put(static_cast<uint32_t>(info.width));
    w.put(static_cast<uint32_t>(info.channels));
    for (float m : info.mean) w.put(m);
    for (float s : info.stddev) w.put(s);
    w.put(static_cast<uint32_t>(info.metadata_json.size()));
    w.put_bytes(info.metadata_json.data(), info.metadata_json.size());
    w.put(static_cast<uint64_t>(model.parameter_count()));
    for (size_t l = 0; l < model.layer_count(); ++l) {
        const auto wt = model.layer_weights(l);
        const auto b = model.layer_biases(l);
        w.put_bytes(wt.data(), wt.size_bytes());
        w.put_bytes(b.data(), b.size_bytes());
    }
    w.put(crc_of(w.out.data(), w.out.size()));
    return std::move(w.out);
}

LoadedCheckpoint decode_checkpoint(const std::vector<uint8_t>& bytes, const std::string& name) {
    const size_t magic_n = std::min(bytes.size(), sizeof kMagic);
    if (std::memcmp(bytes.data(), kMagic, magic_n) != 0)
        throw CheckpointError(name + ": not a Batchscope checkpoint (the file does not start with its magic bytes)");
    Reader r(bytes, name);
    r.need(sizeof kMagic, "magic bytes");
    LoadedCheckpoint out;
    out.version = r.get<uint32_t>("format version");
    if (out.version > kCheckpointVersion)
        throw CheckpointError(name + ": checkpoint format version " + std::to_string(out.version) +
                              " was written by a newer Batchscope; this build reads versions up to " +
                              std::to_string(kCheckpointVersion));
    if (out.version == 0) corrupt(name, "format version 0");
    // Check the CRC first when the file is long enough to hold one: a bit flip in a size field
    // must read as "corrupt", not as a misleading "truncated".
    uint32_t stored_crc = 0;
    if (bytes.size() >= 16) std::memcpy(&stored_crc, bytes.data() + bytes.size() - 4, 4);
    const bool crc_ok = bytes.size() >= 16 && crc_of(bytes.data(), bytes.size() - 4) == stored_crc;
    if (const uint32_t flags = r.get<uint32_t>("flags"); flags != 0)
        corrupt(name, std::string("unknown flags ") + std::to_string(flags));
    const uint32_t n = r.get<uint32_t>("width count");
    if (n < 2 || n > kMaxWidths) corrupt(name, std::string("width count ") + std::to_string(n) + " (2 to 64 allowed)");
    std::vector<int> widths(n);
    for (auto& v : widths) {
        const uint32_t x = r.get<uint32_t>("widths");
        if (x < 1 || x > kMaxWidth) corrupt(name, std::string("layer width ") + std::to_string(x));
        v = static_cast<int>(x);
    }
    CheckpointInfo& info = out.info;
    const uint32_t h = r.get<uint32_t>("input shape"), w = r.get<uint32_t>("input shape");
    const uint32_t ch = r.get<uint32_t>("input shape");
    if (ch < 1 || ch > 4 || h > kMaxWidth || w > kMaxWidth)
        corrupt(name, std::string("input shape ") + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(ch));
    info.height = static_cast<int>(h);
    info.width = static_cast<int>(w);
    info.channels = static_cast<int>(ch);
    if (int64_t{info.height} * info.width * info.channels != widths[0])
        corrupt(name, std::string("the input shape does not match the first width ") + std::to_string(widths[0]));
    info.mean.resize(ch);
    info.stddev.resize(ch);
    for (auto& m : info.mean) m = r.get<float>("input scaling");
    for (auto& s : info.stddev)
        if (s = r.get<float>("input scaling"); !(s > 0.f)) corrupt(name, "a non-positive input std");
    const uint32_t meta = r.get<uint32_t>("metadata length");
    if (meta > kMaxMetadata) corrupt(name, std::string("metadata of ") + std::to_string(meta) + " bytes");
    const uint8_t* mp = r.need(meta, "metadata");
    info.metadata_json.assign(reinterpret_cast<const char*>(mp), meta);
    const uint64_t params = r.get<uint64_t>("parameter count");
    uint64_t expect = 0;
    for (size_t l = 0; l + 1 < widths.size(); ++l)
        expect += uint64_t(widths[l]) * uint64_t(widths[l + 1]) + uint64_t(widths[l + 1]);
    if (params != expect)
        corrupt(name, std::string("parameter count ") + std::to_string(params) + " for widths that need " +
                          std::to_string(expect));
    const size_t need_total = r.pos() + params * 4 + 4;
    if (bytes.size() < need_total && !crc_ok)
        throw CheckpointError(name + ": truncated checkpoint: " + std::to_string(bytes.size()) + " bytes of " +
                              std::to_string(need_total));
    if (bytes.size() > need_total) corrupt(name, std::to_string(bytes.size() - need_total) + " trailing bytes");
    if (!crc_ok) corrupt(name, "CRC32 mismatch (the file was damaged after it was written)");
    auto model = std::make_unique<Mlp>(widths, 0);
    for (size_t l = 0; l + 1 < widths.size(); ++l) {
        const size_t nw = size_t(widths[l]) * size_t(widths[l + 1]), nb = size_t(widths[l + 1]);
        std::vector<float> wv(nw), bv(nb);  // memcpy: the byte buffer is not float-aligned
        std::memcpy(wv.data(), r.need(nw * 4, "parameters"), nw * 4);
        std::memcpy(bv.data(), r.need(nb * 4, "parameters"), nb * 4);
        model->set_layer(l, wv, bv);
    }
    out.model = std::move(model);
    return out;
}

void save_checkpoint(const std::string& path, const Mlp& model, const CheckpointInfo& info) {
    const std::vector<uint8_t> bytes = encode_checkpoint(model, info);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw CheckpointError(path + ": cannot write the checkpoint (" + std::strerror(errno) + ")");
        f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        f.flush();
        if (!f) {
            std::remove(tmp.c_str());
            throw CheckpointError(path + ": writing the checkpoint failed (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw CheckpointError(path + ": cannot move the checkpoint into place: " + ec.message());
    }
}

LoadedCheckpoint load_checkpoint(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw CheckpointError(path + ": cannot open the checkpoint: " + ec.message());
    if (size > kMaxFileBytes) throw CheckpointError(path + ": not a Batchscope checkpoint (larger than 4 GiB)");
    std::ifstream f(path, std::ios::binary);
    if (!f) throw CheckpointError(path + ": cannot open the checkpoint: " + std::strerror(errno));
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    f.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    if (static_cast<uint64_t>(f.gcount()) != size) throw CheckpointError(path + ": reading the checkpoint failed");
    return decode_checkpoint(bytes, path);
}

}  // namespace batchscope::engine
