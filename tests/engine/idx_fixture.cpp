#include "idx_fixture.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace bs_test {

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "batchscope-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
    std::vector<uint8_t> b = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
    for (uint32_t d : dims)
        for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + path);
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
}

void write_plain(const std::string& path, const std::vector<uint8_t>& bytes) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + path);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
}

namespace {
void write_split(const std::string& dir, const std::string& prefix, uint32_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> noise(0, 60);
    std::vector<uint8_t> px(static_cast<size_t>(n) * 784), lb(n);
    for (uint32_t i = 0; i < n; ++i) {
        const int cls = static_cast<int>(i % 10);
        lb[i] = static_cast<uint8_t>(cls);
        for (int r = 0; r < 28; ++r)
            for (int c = 0; c < 28; ++c) {
                int v = noise(rng);
                if (r >= 2 + cls * 2 && r < 4 + cls * 2) v += 180;
                px[static_cast<size_t>(i) * 784 + r * 28 + c] = static_cast<uint8_t>(v);
            }
    }
    write_gz(dir + "/" + prefix + "-images-idx3-ubyte.gz", idx_bytes({n, 28, 28}, px));
    write_gz(dir + "/" + prefix + "-labels-idx1-ubyte.gz", idx_bytes({n}, lb));
}
}  // namespace

void write_fake_fashion_mnist(const std::string& dir, uint32_t train, uint32_t test) {
    write_split(dir, "train", train, 1);
    write_split(dir, "t10k", test, 2);
}

}  // namespace bs_test
