#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <zlib.h>

#include "address_space_limit.h"
#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/model/model.h"
#include "batchscope/engine/model/model_spec.h"

using namespace batchscope::engine;

namespace {

std::string temp_path(const char* name) {
    return (std::filesystem::temp_directory_path() / (std::string("bs_ckpt_") + name)).string();
}

Mlp trained_model() {
    Mlp m({12, 8, 3}, 7);
    std::vector<float> x(16 * 12);
    std::vector<int32_t> y(16);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 11) / 11.0f;
    for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int32_t>(i % 3);
    for (int k = 0; k < 5; ++k) m.train_step(x.data(), y.data(), 16, 0.1f, 0.9f);
    return m;
}

CheckpointInfo info_for_12() {
    CheckpointInfo info;
    info.height = 3;
    info.width = 4;
    info.channels = 1;
    info.mean = {0.25f};
    info.stddev = {0.5f};
    info.metadata_json = R"({"dataset":"test"})";
    return info;
}

std::string error_of(const std::vector<uint8_t>& bytes) {
    try {
        decode_checkpoint(bytes, "f.ckpt");
    } catch (const CheckpointError& e) {
        return e.what();
    }
    return "";
}

void fix_crc(std::vector<uint8_t>& b) {
    const auto c = static_cast<uint32_t>(crc32(0L, b.data(), static_cast<uInt>(b.size() - 4)));
    std::memcpy(b.data() + b.size() - 4, &c, 4);
}

}  // namespace

TEST(Checkpoint, RoundTripKeepsEveryParameterAndTheScaling) {
    const Mlp m = trained_model();
    const std::string path = temp_path("roundtrip");
    save_checkpoint(path, m, info_for_12());
    const LoadedCheckpoint ck = load_checkpoint(path);
    std::remove(path.c_str());
    ASSERT_TRUE(ck.model);
    EXPECT_EQ(ck.version, kCheckpointVersion);
    EXPECT_EQ(ck.model->spec().canonical(), "mlp:8:relu");
    EXPECT_EQ(ck.model->classes(), 3);
    EXPECT_EQ(ck.info.height, 3);
    EXPECT_EQ(ck.info.mean[0], 0.25f);
    EXPECT_EQ(ck.info.stddev[0], 0.5f);
    EXPECT_EQ(ck.info.metadata_json, R"({"dataset":"test"})");
    const auto loaded = ck.model->parameters();
    ASSERT_EQ(loaded.size(), 2 * m.layer_count());
    for (size_t l = 0; l < m.layer_count(); ++l) {
        const auto a = m.layer_weights(l), b = loaded[2 * l].values;
        ASSERT_EQ(a.size(), b.size());
        EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size_bytes()));
        EXPECT_EQ(0, std::memcmp(m.layer_biases(l).data(), loaded[2 * l + 1].values.data(), m.layer_biases(l).size_bytes()));
    }
}

TEST(Checkpoint, PredictAgreesWithTheTrainingForwardAtBatchOneAndMany) {
    const Mlp m = trained_model();
    Mlp copy = m;
    std::vector<float> x(5 * 12);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) / 7.0f;
    Mlp::Workspace ws;
    std::vector<float> many(5 * 3), one(3);
    m.predict(x.data(), 5, many.data(), ws);
    for (int i = 0; i < 5; ++i) {
        m.predict(x.data() + i * 12, 1, one.data(), ws);
        for (int j = 0; j < 3; ++j) EXPECT_NEAR(one[static_cast<size_t>(j)], many[static_cast<size_t>(i * 3 + j)], 1e-5f);
        const auto arg = static_cast<int32_t>(std::max_element(one.begin(), one.end()) - one.begin());
        EXPECT_EQ(copy.count_correct(x.data() + i * 12, &arg, 1), 1);  // same answer as training's forward
    }
}

TEST(Checkpoint, RefusesTruncatedFilesAtEveryLength) {
    const std::vector<uint8_t> good = encode_checkpoint(trained_model(), info_for_12());
    for (size_t n : {size_t{0}, size_t{5}, size_t{8}, size_t{13}, size_t{30}, good.size() / 2, good.size() - 1}) {
        const std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
        const std::string e = error_of(cut);
        EXPECT_NE(e.find("truncated"), std::string::npos) << n << ": " << e;
        EXPECT_NE(e.find("f.ckpt"), std::string::npos) << e;
    }
}

TEST(Checkpoint, RefusesCorruptForeignAndNewerFiles) {
    const std::vector<uint8_t> good = encode_checkpoint(trained_model(), info_for_12());
    std::vector<uint8_t> flipped = good;
    flipped[good.size() - 20] ^= 0x10;  // a parameter bit
    EXPECT_NE(error_of(flipped).find("CRC32 mismatch"), std::string::npos) << error_of(flipped);

    std::vector<uint8_t> width = good;
    width[20] = 0;  // the first width, CRC left stale
    width[21] = 0;
    EXPECT_NE(error_of(width).find("corrupt"), std::string::npos) << error_of(width);

    std::vector<uint8_t> longer = good;
    longer.push_back(0);
    EXPECT_NE(error_of(longer).find("corrupt"), std::string::npos) << error_of(longer);

    const std::string text = "epoch,loss\n1,0.5\n";
    EXPECT_NE(error_of(std::vector<uint8_t>(text.begin(), text.end())).find("not a Batchscope checkpoint"),
              std::string::npos);

    std::vector<uint8_t> newer = good;
    newer[8] = 3;
    fix_crc(newer);
    const std::string e = error_of(newer);
    EXPECT_NE(e.find("newer Batchscope"), std::string::npos) << e;
    EXPECT_NE(e.find("version 3"), std::string::npos) << e;
}

TEST(Checkpoint, MissingFileAndMismatchedShapeAreClearErrors) {
    try {
        load_checkpoint("/nonexistent/dir/model.ckpt");
        FAIL();
    } catch (const CheckpointError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/model.ckpt"), std::string::npos);
    }
    CheckpointInfo wrong = info_for_12();
    wrong.width = 5;  // 3 x 5 != 12 inputs
    EXPECT_THROW(encode_checkpoint(trained_model(), wrong), CheckpointError);
}

// An empty file (found by fuzzing: it passed a null pointer to memcmp) is named as such.
TEST(Checkpoint, AnEmptyFileIsNamedEmpty) {
    const std::string e = error_of({});
    EXPECT_NE(e.find("f.ckpt: truncated: the file is empty"), std::string::npos) << e;
}

// A damaged header that implies a huge model (found by fuzzing: 65,282 classes of 22,531 x 2
// inputs, 11 GB of weights, in a 200-byte file) is refused before the model is built: in a
// child process whose address space leaves about 1 GiB free, the refusal must come, not
// bad_alloc.
TEST(Checkpoint, AHeaderImplyingAHugeModelIsRefusedBeforeAllocating) {
    CheckpointInfo info;
    info.height = 3, info.width = 2;
    auto m = model::make_model(model::parse_model_spec("logreg"), {1, 3, 2}, 2, model::OptimizerConfig{}, 1);
    std::vector<uint8_t> b = encode_checkpoint(*m, info);
    ASSERT_EQ(std::string(b.begin() + 20, b.begin() + 26), "logreg");
    auto put32 = [&](size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); };
    put32(26, 65282);  // classes
    put32(30, 22531);  // height
    const uLong crc = crc32(0L, b.data(), static_cast<uInt>(b.size() - 4));
    put32(b.size() - 4, static_cast<uint32_t>(crc));  // a consistent file: only the header lies
    const int status = bs_test::exit_status_with_1gib_headroom([&] {
        try {
            decode_checkpoint(b, "huge.bsck");
        } catch (const CheckpointError& e) {
            return std::string(e.what()).find("its header describes logreg with 2941802766 parameters") != std::string::npos ? 0 : 1;
        } catch (const std::bad_alloc&) {
            return 2;
        }
        return 4;
    });
    EXPECT_EQ(status, 0) << "1: another message, 2: bad_alloc (the model was built), 3: no limit set";
}

namespace {

// A version-1 file (an MLP given by its widths; no writer is left, older Batchscope wrote them),
// consistent: CRC over everything, one float per parameter.
std::vector<uint8_t> v1_file(const std::vector<uint32_t>& widths, uint32_t h, uint32_t w, uint64_t params_written,
                             uint64_t params_claimed) {
    std::vector<uint8_t> b = {0x89, 'B', 'S', 'C', 'K', 'P', 'T', '\n'};
    auto put = [&](const auto& v) {
        const auto* p = reinterpret_cast<const uint8_t*>(&v);
        b.insert(b.end(), p, p + sizeof v);
    };
    put(uint32_t{1});  // version
    put(uint32_t{0});  // flags
    put(static_cast<uint32_t>(widths.size()));
    for (uint32_t x : widths) put(x);
    put(h), put(w), put(uint32_t{1});  // input shape
    put(0.25f), put(0.5f);             // mean, std
    put(uint32_t{0});                  // no metadata
    put(params_claimed);
    for (uint64_t i = 0; i < params_written; ++i) put(static_cast<float>(i % 7) * 0.125f);
    put(uint32_t{0});
    fix_crc(b);
    return b;
}

}  // namespace

TEST(Checkpoint, AVersionOneFileStillLoads) {
    const std::vector<uint8_t> b = v1_file({12, 8, 3}, 3, 4, 12 * 8 + 8 + 8 * 3 + 3, 12 * 8 + 8 + 8 * 3 + 3);
    const LoadedCheckpoint c = decode_checkpoint(b, "v1.ckpt");
    EXPECT_EQ(c.version, 1u);
    EXPECT_EQ(c.info.height, 3);
    EXPECT_EQ(c.info.width, 4);
    ASSERT_NE(c.model, nullptr);
    EXPECT_EQ(c.model->input_shape().size(), 12);
}

// The same lie as above, in version 1: widths of 2^20 claim 4 TB of weights in a 100-byte file
// whose CRC is right. It must be refused before the MLP is built (found on review: the version-1
// reader built it first, and only a bad CRC stopped it).
TEST(Checkpoint, AVersionOneHeaderImplyingAHugeModelIsRefusedBeforeAllocating) {
    const uint64_t claimed = (uint64_t{1} << 40) + (uint64_t{1} << 20) + (uint64_t{1} << 21) + 2;
    const std::vector<uint8_t> b = v1_file({1u << 20, 1u << 20, 2}, 1024, 1024, 4, claimed);
    const int status = bs_test::exit_status_with_1gib_headroom([&] {
        try {
            decode_checkpoint(b, "huge-v1.bsck");
        } catch (const CheckpointError& e) {
            const std::string want =
                "huge-v1.bsck: corrupt checkpoint: its header describes an MLP with " + std::to_string(claimed) + " parameters";
            return std::string(e.what()).find(want) != std::string::npos ? 0 : 1;
        } catch (const std::bad_alloc&) {
            return 2;
        }
        return 4;
    });
    EXPECT_EQ(status, 0) << "1: another message, 2: bad_alloc (the model was built), 3: no limit set, 4: it loaded";
}
