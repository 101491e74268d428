#pragma once
// Reads the DT_NEEDED entries (the shared libraries a program asks the loader for) of an
// ELF64 little-endian file, from its dynamic segment. No tool needed (no readelf).
#include <string>
#include <vector>

namespace batchscope::test {

struct ElfNeeded {
    std::vector<std::string> needed;
    std::string error;  // empty on success
};

ElfNeeded read_elf_needed(const std::string& path);

}  // namespace batchscope::test
