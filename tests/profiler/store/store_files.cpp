#include "store_files.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bs_store_test {

TempFile::TempFile() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "batchscope-store-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    path = dir + "/sessions.db";
}

TempFile::~TempFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

void patch_be32(const std::string& path, long offset, uint32_t v) {
    std::FILE* f = std::fopen(path.c_str(), "r+b");
    if (!f) throw std::runtime_error("cannot open " + path);
    const unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                                static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
    std::fseek(f, offset, SEEK_SET);
    std::fwrite(b, 1, 4, f);
    std::fclose(f);
}

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

void write_all(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << bytes;
}

}  // namespace bs_store_test
