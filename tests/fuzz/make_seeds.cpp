// Writes the small seed files of corpus/ that need the program's own encoders (IDX, JPEG, PNG,
// checkpoints), so that the corpus can be made again after a format change:
//   build-fuzz/bin/make_seeds tests/fuzz/corpus
// (corpus/preset, corpus/session_import and corpus/trace_import are made as their README says.)
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/data/image_codec.h"
#include "batchscope/engine/model/model.h"
#include "batchscope/engine/model/model_spec.h"

using namespace batchscope::engine;

namespace {

void put(const std::string& path, const std::vector<uint8_t>& b) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::vector<uint8_t> idx(std::vector<uint32_t> dims) {
    std::vector<uint8_t> b{0, 0, 0x08, static_cast<uint8_t>(dims.size())};
    size_t n = 1;
    for (uint32_t d : dims) {
        for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
        n *= d;
    }
    for (size_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(i * 37));
    return b;
}

data::Image picture(int h, int w, int c) {
    data::Image img;
    img.reshape({h, w, c});
    for (int64_t i = 0; i < img.shape.bytes(); ++i) img.pixels[static_cast<size_t>(i)] = static_cast<uint8_t>(i * 13);
    return img;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_seeds CORPUS_FOLDER\n");
        return 2;
    }
    const std::string d = argv[1];
    put(d + "/idx/images-2x3x3", idx({2, 3, 3}));
    put(d + "/idx/labels-4", idx({4}));
    {
        const auto raw = idx({2, 2, 2});
        gzFile g = gzopen((d + "/idx/images-2x2x2.gz").c_str(), "wb9");
        gzwrite(g, raw.data(), static_cast<unsigned>(raw.size()));
        gzclose(g);
    }
    std::vector<uint8_t> out;
    data::encode_jpeg(picture(6, 8, 3), {.quality = 50}, out);
    put(d + "/image/rgb.jpg", out);
    data::encode_jpeg(picture(5, 7, 1), {.quality = 50, .progressive = true}, out);
    put(d + "/image/grey-progressive.jpg", out);
    data::encode_jpeg(picture(4, 4, 4), {.quality = 50}, out);
    put(d + "/image/cmyk.jpg", out);
    data::encode_png(picture(6, 8, 3), {}, out);
    put(d + "/image/rgb.png", out);
    data::encode_png(picture(5, 7, 1), {.alpha = true, .sixteen_bit = true}, out);
    put(d + "/image/grey-alpha-16.png", out);

    CheckpointInfo info;
    info.height = 3, info.width = 2;
    info.metadata_json = R"({"dataset":"seed"})";
    const model::OptimizerConfig opt;
    for (const char* spec : {"logreg", "mlp:4:relu"}) {
        auto m = model::make_model(model::parse_model_spec(spec), {1, 3, 2}, 2, opt, 1);
        put(d + "/checkpoint/" + std::string(spec).substr(0, 3) + ".bsck", encode_checkpoint(*m, info));
    }
    info.height = 4, info.width = 4, info.channels = 2;
    info.mean = {0.5f, 0.5f}, info.stddev = {0.25f, 0.25f};
    auto cnn = model::make_model(model::parse_model_spec("cnn:2:fc=4:relu"), {2, 4, 4}, 3, opt, 1);
    put(d + "/checkpoint/cnn.bsck", encode_checkpoint(*cnn, info));
    return 0;
}
