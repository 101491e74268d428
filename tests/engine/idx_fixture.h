#pragma once
// Writes small IDX files (gzipped or plain, good or deliberately broken) for the tests.
#include <cstdint>
#include <string>
#include <vector>

namespace bs_test {

// A fresh empty folder under the system temp dir; removed by the destructor.
struct TempDir {
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path;
    std::string file(const std::string& name) const { return path + "/" + name; }
};

// The raw bytes of an IDX file of unsigned bytes with the given dims and data.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data);

void write_gz(const std::string& path, const std::vector<uint8_t>& bytes);
void write_plain(const std::string& path, const std::vector<uint8_t>& bytes);

// A Fashion-MNIST-shaped dataset folder with `train` and `test` samples. Image i of class
// i % 10 is a learnable pattern (a bright horizontal band at a class-specific row) plus noise.
void write_fake_fashion_mnist(const std::string& dir, uint32_t train, uint32_t test);

}  // namespace bs_test
