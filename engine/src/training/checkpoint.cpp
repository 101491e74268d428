#include "batchscope/engine/checkpoint.h"

#include <zlib.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "batchscope/engine/training_footprint.h"
#include "batchscope/profiler/output_file.h"

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
    size_t remaining() const noexcept { return bytes_.size() - pos_; }

private:
    const std::vector<uint8_t>& bytes_;
    const std::string& name_;
    size_t pos_ = 0;
};

[[noreturn]] void corrupt(const std::string& name, const std::string& why) {
    throw CheckpointError(name + ": corrupt checkpoint: " + why);
}

// Never replaces what is not a regular file; a failed write leaves the old checkpoint as it was
// (profiler/output_file.h).
void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    try {
        profiler::write_output_file(
            path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    } catch (const profiler::OutputFileError& e) {
        throw CheckpointError(std::string(e.what()) + " (the checkpoint was not written)");
    }
}

}  // namespace

namespace {

constexpr uint32_t kMaxSpec = 256, kMaxClasses = 65536;

void check_info(const CheckpointInfo& info, int64_t inputs) {
    const size_t c = static_cast<size_t>(info.channels);
    if (info.channels < 1 || info.channels > 4 || info.mean.size() != c || info.stddev.size() != c)
        throw CheckpointError("checkpoint: 1 to 4 channels, with one mean and one std per channel");
    if (int64_t{info.height} * info.width * info.channels != inputs)
        throw CheckpointError(std::string("checkpoint: the input shape ") + std::to_string(info.height) + "x" +
                              std::to_string(info.width) + std::string("x") + std::to_string(info.channels) +
                              std::string(" does not match the model's ") + std::to_string(inputs) + " inputs");
}

// The fields shared by both versions after the widths/spec: input shape, scaling, metadata.
void read_input_and_metadata(Reader& r, CheckpointInfo& info, const std::string& name) {
    const uint32_t h = r.get<uint32_t>("input shape"), w = r.get<uint32_t>("input shape");
    const uint32_t ch = r.get<uint32_t>("input shape");
    if (ch < 1 || ch > 4 || h < 1 || w < 1 || h > kMaxWidth || w > kMaxWidth)
        corrupt(name, std::string("input shape ") + std::to_string(h) + std::string("x") + std::to_string(w) + "x" +
                          std::to_string(ch));
    info.height = static_cast<int>(h);
    info.width = static_cast<int>(w);
    info.channels = static_cast<int>(ch);
    info.mean.resize(ch);
    info.stddev.resize(ch);
    for (auto& m : info.mean) m = r.get<float>("input scaling");
    for (auto& s : info.stddev)
        if (s = r.get<float>("input scaling"); !(s > 0.f)) corrupt(name, "a non-positive input std");
    const uint32_t meta = r.get<uint32_t>("metadata length");
    if (meta > kMaxMetadata) corrupt(name, std::string("metadata of ") + std::to_string(meta) + " bytes");
    const uint8_t* mp = r.need(meta, "metadata");
    info.metadata_json.assign(reinterpret_cast<const char*>(mp), meta);
}

// Version 1: an MLP given by its widths.
std::unique_ptr<model::Model> decode_v1(Reader& r, const std::vector<uint8_t>& bytes, bool crc_ok, CheckpointInfo& info,
                                        const std::string& name) {
    const uint32_t n = r.get<uint32_t>("width count");
    if (n < 2 || n > kMaxWidths) corrupt(name, std::string("width count ") + std::to_string(n) + " (2 to 64 allowed)");
    std::vector<int> widths(n);
    for (auto& v : widths) {
        const uint32_t x = r.get<uint32_t>("widths");
        if (x < 1 || x > kMaxWidth) corrupt(name, std::string("layer width ") + std::to_string(x));
        v = static_cast<int>(x);
    }
    read_input_and_metadata(r, info, name);
    if (int64_t{info.height} * info.width * info.channels != widths[0])
        corrupt(name, std::string("the input shape does not match the first width ") + std::to_string(widths[0]));
    const uint64_t params = r.get<uint64_t>("parameter count");
    uint64_t expect = 0;
    for (size_t l = 0; l + 1 < widths.size(); ++l)
        expect += uint64_t(widths[l]) * uint64_t(widths[l + 1]) + uint64_t(widths[l + 1]);
    if (params != expect)
        corrupt(name, std::string("parameter count ") + std::to_string(params) + " for widths that need " +
                          std::to_string(expect));
    const size_t need_total = r.pos() + params * 4 + 4;
    if (bytes.size() < need_total) {
        // The parameters must be in the file before the MLP is built: a whole file whose header
        // lies would otherwise allocate what the widths imply (as version 2 once did).
        if (crc_ok)
            corrupt(name, "its header describes an MLP with " + std::to_string(params) + " parameters (" +
                              std::to_string(params * 4) + " bytes), but only " + std::to_string(r.remaining()) +
                              " bytes follow");
        throw CheckpointError(name + std::string(": truncated checkpoint: ") + std::to_string(bytes.size()) + " bytes of " +
                              std::to_string(need_total));
    }
    if (bytes.size() > need_total) corrupt(name, std::to_string(bytes.size() - need_total) + " trailing bytes");
    if (!crc_ok) corrupt(name, "CRC32 mismatch (the file was damaged after it was written)");
    Mlp mlp(widths, 0);
    for (size_t l = 0; l + 1 < widths.size(); ++l) {
        const size_t nw = size_t(widths[l]) * size_t(widths[l + 1]), nb = size_t(widths[l + 1]);
        std::vector<float> wv(nw), bv(nb);  // memcpy: the byte buffer is not float-aligned
        std::memcpy(wv.data(), r.need(nw * 4, "parameters"), nw * 4);
        std::memcpy(bv.data(), r.need(nb * 4, "parameters"), nb * 4);
        mlp.set_layer(l, wv, bv);
    }
    return model::wrap_mlp(std::move(mlp), model::Shape{info.channels, info.height, info.width}, 0.9f);
}

std::unique_ptr<model::Model> decode_v2(Reader& r, bool crc_ok, CheckpointInfo& info, const std::string& name) {
    // A field that is out of range, or does not fit the spec, is damage: with a bad CRC it reads
    // as such; running past the end of the file is truncation.
    const auto bad_field = [&](const std::string& why) {
        if (!crc_ok) corrupt(name, "CRC32 mismatch (the file was damaged after it was written)");
        corrupt(name, why);
    };
    const uint32_t slen = r.get<uint32_t>("model spec length");
    if (slen < 1 || slen > kMaxSpec) bad_field("model spec length " + std::to_string(slen));
    const uint8_t* sp = r.need(slen, "model spec");
    const std::string spec_text(reinterpret_cast<const char*>(sp), slen);
    model::ModelSpec spec;
    try {
        spec = model::parse_model_spec(spec_text);
    } catch (const std::invalid_argument& e) {
        bad_field(std::string("its model spec is not one this build knows (") + e.what() + ")");
    }
    const uint32_t classes = r.get<uint32_t>("class count");
    if (classes < 2 || classes > kMaxClasses) bad_field("class count " + std::to_string(classes));
    read_input_and_metadata(r, info, name);
    std::unique_ptr<model::Model> m;
    try {
        // The parameters the header implies (4 bytes each) must be in the file before the model
        // is built: a damaged class count or input size made a 200-byte file allocate the 11 GB
        // it implied (found by fuzzing, tests/fuzz).
        const int64_t params =
            estimate_training_footprint(spec, model::Shape{info.channels, info.height, info.width},
                                        static_cast<int>(classes), model::OptimizerKind::Sgd, 1)
                .parameters;
        if (params < 0 || static_cast<uint64_t>(params) > r.remaining() / 4) {
            if (crc_ok)  // a whole file whose header lies
                corrupt(name, "its header describes " + spec_text + " with " + std::to_string(params) +
                                  " parameters (" + std::to_string(params * 4) + " bytes), but only " +
                                  std::to_string(r.remaining()) + " bytes follow");
            (void)r.need(r.remaining() + 1, "parameter tensors");  // else it ends early: truncated
        }
        m = model::make_model(spec, model::Shape{info.channels, info.height, info.width}, static_cast<int>(classes),
                              model::OptimizerConfig{}, 0);
    } catch (const std::invalid_argument& e) {
        bad_field(std::string("the model cannot be built for its input: ") + e.what());
    }
    const std::vector<model::ParamTensor> want = m->parameters();
    const uint32_t tensors = r.get<uint32_t>("tensor count");
    if (tensors != want.size())
        bad_field(std::to_string(tensors) + " parameter tensors; " + spec_text + " has " + std::to_string(want.size()));
    std::vector<std::vector<float>> values(tensors);
    for (size_t i = 0; i < tensors; ++i) {
        const uint32_t n = r.get<uint32_t>("tensor name length");
        if (n != want[i].name.size()) bad_field("tensor " + std::to_string(i) + " name length " + std::to_string(n));
        const std::string tname(reinterpret_cast<const char*>(r.need(n, "tensor name")), n);
        const uint64_t count = r.get<uint64_t>("tensor size");
        if (tname != want[i].name || count != want[i].values.size())
            bad_field("tensor " + std::to_string(i) + " is " + tname + " of " + std::to_string(count) + " values; " +
                      spec_text + " needs " + want[i].name + " of " + std::to_string(want[i].values.size()));
        values[i].resize(count);  // memcpy: the byte buffer is not float-aligned
        std::memcpy(values[i].data(), r.need(count * 4, "parameters"), count * 4);
    }
    r.need(4, "CRC32");
    if (r.remaining() > 0) bad_field(std::to_string(r.remaining()) + " trailing bytes");
    if (!crc_ok) corrupt(name, "CRC32 mismatch (the file was damaged after it was written)");
    for (size_t i = 0; i < values.size(); ++i) m->set_parameter(i, values[i]);
    return m;
}

}  // namespace

std::vector<uint8_t> encode_checkpoint(const model::Model& model, const CheckpointInfo& info) {
    check_info(info, model.input_shape().size());
    const std::string spec = model.spec().canonical();
    Writer w;
    w.put_bytes(kMagic, sizeof kMagic);
    w.put(kCheckpointVersion);
    w.put(uint32_t{0});
    w.put(static_cast<uint32_t>(spec.size()));
    w.put_bytes(spec.data(), spec.size());
    w.put(static_cast<uint32_t>(model.classes()));
    w.put(static_cast<uint32_t>(info.height));
    w.put(static_cast<uint32_t>(info.width));
    w.put(static_cast<uint32_t>(info.channels));
    for (float m : info.mean) w.put(m);
    for (float s : info.stddev) w.put(s);
    w.put(static_cast<uint32_t>(info.metadata_json.size()));
    w.put_bytes(info.metadata_json.data(), info.metadata_json.size());
    const std::vector<model::ParamTensor> ps = model.parameters();
    w.put(static_cast<uint32_t>(ps.size()));
    for (const model::ParamTensor& p : ps) {
        w.put(static_cast<uint32_t>(p.name.size()));
        w.put_bytes(p.name.data(), p.name.size());
        w.put(static_cast<uint64_t>(p.values.size()));
        w.put_bytes(p.values.data(), p.values.size_bytes());
    }
    w.put(crc_of(w.out.data(), w.out.size()));
    return std::move(w.out);
}

std::vector<uint8_t> encode_checkpoint(const Mlp& mlp, const CheckpointInfo& info) {
    check_info(info, mlp.widths().front());
    const auto m = model::wrap_mlp(Mlp(mlp), model::Shape{info.channels, info.height, info.width}, 0.9f);
    return encode_checkpoint(*m, info);
}

LoadedCheckpoint decode_checkpoint(const std::vector<uint8_t>& bytes, const std::string& name) {
    // (An empty file also passed a null pointer to memcmp below: found by fuzzing, tests/fuzz.)
    if (bytes.empty()) throw CheckpointError(name + ": truncated: the file is empty (0 bytes)");
    const size_t magic_n = std::min(bytes.size(), sizeof kMagic);
    if (std::memcmp(bytes.data(), kMagic, magic_n) != 0)
        throw CheckpointError(name + ": not a Batchscope checkpoint (the file does not start with its magic bytes)");
    Reader r(bytes, name);
    r.need(sizeof kMagic, "magic bytes");
    LoadedCheckpoint out;
    out.version = r.get<uint32_t>("format version");
    if (out.version > kCheckpointVersion)
        throw CheckpointError(name + std::string(": checkpoint format version ") + std::to_string(out.version) +
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
    out.model = out.version == 1 ? decode_v1(r, bytes, crc_ok, out.info, name)
                                 : decode_v2(r, crc_ok, out.info, name);
    return out;
}

void save_checkpoint(const std::string& path, const model::Model& model, const CheckpointInfo& info) {
    write_file(path, encode_checkpoint(model, info));
}

void save_checkpoint(const std::string& path, const Mlp& model, const CheckpointInfo& info) {
    write_file(path, encode_checkpoint(model, info));
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
