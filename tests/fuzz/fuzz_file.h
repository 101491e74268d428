#pragma once
// For the harnesses whose parser reads a file by name: the fuzzer's bytes written to a file of
// this process's own (under $TMPDIR, else /tmp), replaced on each input.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace bs_fuzz {

inline std::string scratch_path(const std::string& name) {
    const char* t = std::getenv("TMPDIR");
    return std::string(t && *t ? t : "/tmp") + "/bs-fuzz-" + std::to_string(getpid()) + "-" + name;
}

inline void write_file(const std::string& path, const uint8_t* data, size_t size) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();  // the harness's own folder: nothing to fuzz without it
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    if (std::fclose(f) != 0) std::abort();
}

}  // namespace bs_fuzz
