#pragma once
// Test binaries, plugins and fake modules all land in ${CMAKE_BINARY_DIR}/bin. Tests find them
// beside their own executable, so a build folder still works when it is copied elsewhere
// (e.g. to a GPU machine).
#include <filesystem>
#include <string>

namespace batchscope::test {

inline std::filesystem::path exe_dir() {
    return std::filesystem::read_symlink("/proc/self/exe").parent_path();
}

inline std::string beside_exe(const char* file_name) { return (exe_dir() / file_name).string(); }

}  // namespace batchscope::test
