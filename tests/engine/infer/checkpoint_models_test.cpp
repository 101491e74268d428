// Checkpoint format 2 for every model kind, and format-1 files (MLPs written before the model
// stack) still loading.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "batchscope/engine/checkpoint.h"

using namespace batchscope::engine;
namespace bm = batchscope::engine::model;

namespace {

template <class T>
void put(std::vector<uint8_t>& out, T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof(T));
}

void fix_crc(std::vector<uint8_t>& b) {
    const auto c = static_cast<uint32_t>(crc32(0L, b.data(), static_cast<uInt>(b.size() - 4)));
    std::memcpy(b.data() + b.size() - 4, &c, 4);
}

// A format-1 file built field by field as the header documents it (what Batchscope wrote before
// format 2): an MLP 12-8-3 on 3x4x1 inputs.
std::vector<uint8_t> v1_file(const Mlp& m) {
    const uint8_t magic[8] = {0x89, 'B', 'S', 'C', 'K', 'P', 'T', '\n'};
    std::vector<uint8_t> b(magic, magic + 8);
    put<uint32_t>(b, 1);
    put<uint32_t>(b, 0);
    put<uint32_t>(b, static_cast<uint32_t>(m.widths().size()));
    for (int w : m.widths()) put<uint32_t>(b, static_cast<uint32_t>(w));
    for (uint32_t v : {3u, 4u, 1u}) put<uint32_t>(b, v);
    put<float>(b, 0.25f);
    put<float>(b, 0.5f);
    const std::string meta = R"({"old":true})";
    put<uint32_t>(b, static_cast<uint32_t>(meta.size()));
    for (char c : meta) b.push_back(static_cast<uint8_t>(c));
    put<uint64_t>(b, static_cast<uint64_t>(m.parameter_count()));
    for (size_t l = 0; l < m.layer_count(); ++l) {
        for (float v : m.layer_weights(l)) put<float>(b, v);
        for (float v : m.layer_biases(l)) put<float>(b, v);
    }
    put<uint32_t>(b, 0);
    fix_crc(b);
    return b;
}

std::vector<float> inputs(size_t n) {
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    std::vector<float> x(n);
    for (auto& v : x) v = u(rng);
    return x;
}

std::vector<float> logits_of(const bm::Model& m, const std::vector<float>& x, int b) {
    bm::InferWorkspace ws;
    std::vector<float> z(static_cast<size_t>(b * m.classes()));
    m.predict(x.data(), b, z.data(), ws);
    return z;
}

CheckpointInfo info(int h, int w) {
    CheckpointInfo i;
    i.height = h;
    i.width = w;
    return i;
}

}  // namespace

TEST(CheckpointModels, EveryKindRoundTripsAndServesTheSameLogits) {
    for (const char* spec : {"logreg", "svm", "mlp:16,8:gelu:dropout=0.2", "cnn:4,6:fc=10:relu", "mlp:16",
                             "cnn:3:fc=0:gelu"}) {
        bm::OptimizerConfig opt;
        opt.kind = bm::OptimizerKind::Adam;
        auto m = bm::make_model(bm::parse_model_spec(spec), bm::Shape{1, 8, 6}, 5, opt, 3);
        const std::vector<float> x = inputs(4 * 48);
        const std::vector<int32_t> y{0, 1, 2, 3};
        for (int k = 0; k < 3; ++k) m->train_step(x.data(), y.data(), 4, 0.01f);
        const LoadedCheckpoint ck = decode_checkpoint(encode_checkpoint(*m, info(8, 6)), "m.ckpt");
        EXPECT_EQ(ck.version, 2u);
        EXPECT_EQ(ck.model->spec(), m->spec()) << spec;
        EXPECT_EQ(ck.model->describe(), m->describe());
        // The default MLP loads onto the Mlp fast path, whose small-batch kernel sums in another order.
        const std::vector<float> a = logits_of(*ck.model, x, 4), b = logits_of(*m, x, 4);
        ASSERT_EQ(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5f * (1.f + std::fabs(b[i]))) << spec;
    }
}

TEST(CheckpointModels, FormatOneMlpFilesStillLoad) {
    Mlp m({12, 8, 3}, 7);
    const LoadedCheckpoint ck = decode_checkpoint(v1_file(m), "old.ckpt");
    EXPECT_EQ(ck.version, 1u);
    EXPECT_EQ(ck.model->spec().canonical(), "mlp:8:relu");
    EXPECT_EQ(ck.info.metadata_json, R"({"old":true})");
    EXPECT_FLOAT_EQ(ck.info.mean[0], 0.25f);
    const std::vector<float> x = inputs(2 * 12);
    std::vector<float> want(6);
    Mlp::Workspace ws;
    m.predict(x.data(), 2, want.data(), ws);
    EXPECT_EQ(logits_of(*ck.model, x, 2), want);
    // A damaged format-1 file is refused as before.
    std::vector<uint8_t> bad = v1_file(m);
    bad[bad.size() - 10] ^= 1;
    EXPECT_THROW(decode_checkpoint(bad, "old.ckpt"), CheckpointError);
}

TEST(CheckpointModels, RefusesASpecOrTensorsThatDoNotFit) {
    auto m = bm::make_model(bm::parse_model_spec("mlp:4"), bm::Shape{1, 2, 3}, 3, bm::OptimizerConfig{}, 1);
    std::vector<uint8_t> good = encode_checkpoint(*m, info(2, 3));
    // The spec "mlp:4:relu" starts at byte 20: make it an unknown model, CRC fixed.
    std::vector<uint8_t> unknown = good;
    unknown[20] = 'x';
    fix_crc(unknown);
    try {
        decode_checkpoint(unknown, "u.ckpt");
        FAIL();
    } catch (const CheckpointError& e) {
        EXPECT_NE(std::string(e.what()).find("model spec"), std::string::npos) << e.what();
    }
    // A different width: the tensors no longer fit the spec.
    std::vector<uint8_t> wider = good;
    wider[24] = '5';  // "mlp:5:relu"
    fix_crc(wider);
    try {
        decode_checkpoint(wider, "w.ckpt");
        FAIL();
    } catch (const CheckpointError& e) {
        EXPECT_NE(std::string(e.what()).find("needs 0.weight of 30"), std::string::npos) << e.what();
    }
}
