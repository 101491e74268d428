// The core never links a CUDA library: its executables must start on a machine without the
// CUDA runtime or driver. Checked on the files themselves (DT_NEEDED of the dynamic segment).
#include "elf_needed.h"
#include "test_paths.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using batchscope::test::beside_exe;
using batchscope::test::read_elf_needed;
using testing::Contains;
using testing::HasSubstr;

namespace {

// Libraries that must never be needed at load time by the core (prefix match on the SONAME).
const std::vector<std::string> kCudaLibs = {"libcuda.", "libcudart", "libcublas", "libcupti",
                                            "libcudnn", "libnccl", "libnvrtc"};

std::vector<std::string> cuda_needed(const std::string& path) {
    const auto elf = read_elf_needed(path);
    EXPECT_TRUE(elf.error.empty()) << elf.error;
    std::vector<std::string> bad;
    for (const auto& lib : elf.needed) {
        for (const auto& prefix : kCudaLibs) {
            if (lib.rfind(prefix, 0) == 0) bad.push_back(lib);
        }
    }
    return bad;
}

TEST(ElfNeeded, ParserReadsThisTestBinary) {
    const auto elf = read_elf_needed("/proc/self/exe");
    ASSERT_TRUE(elf.error.empty()) << elf.error;
    EXPECT_THAT(elf.needed, Contains("libc.so.6"));
}

TEST(ElfNeeded, ParserRejectsNonElf) {
    const auto elf = read_elf_needed("/proc/self/status");
    EXPECT_THAT(elf.error, HasSubstr("not a readable ELF64"));
}

TEST(ElfNeeded, TestBinaryNeedsNoCudaLibrary) {
    EXPECT_THAT(cuda_needed("/proc/self/exe"), testing::IsEmpty());
}

#ifdef BS_CLI_FILE
TEST(ElfNeeded, CliNeedsNoCudaLibrary) {
    EXPECT_THAT(cuda_needed(beside_exe(BS_CLI_FILE)), testing::IsEmpty());
}
#endif

#ifdef BS_GUI_FILE
TEST(ElfNeeded, GuiNeedsNoCudaLibrary) {
    EXPECT_THAT(cuda_needed(beside_exe(BS_GUI_FILE)), testing::IsEmpty());
}
#endif

#ifdef BS_REAL_PLUGIN
// The plugin may need CUDA's toolkit libraries, but never the driver library: linking the
// driver stub would make it fail to load (and hide the reason) on a machine without a driver.
TEST(ElfNeeded, PluginDoesNotNeedTheDriverLibrary) {
    const auto elf = read_elf_needed(beside_exe(BS_REAL_PLUGIN));
    ASSERT_TRUE(elf.error.empty()) << elf.error;
    for (const auto& lib : elf.needed) EXPECT_THAT(lib, testing::Not(HasSubstr("libcuda.so")));
}

// Nor libcupti: it is opened with dlopen when a run first asks for the CUPTI collector, so the
// plugin loads (compute backend, CUDA-event timing) where libcupti.so.13 is not installed.
TEST(ElfNeeded, PluginDoesNotNeedCupti) {
    const auto elf = read_elf_needed(beside_exe(BS_REAL_PLUGIN));
    ASSERT_TRUE(elf.error.empty()) << elf.error;
    EXPECT_THAT(elf.needed, Contains(HasSubstr("libcublas")));  // the parser sees the plugin's own needs
    for (const auto& lib : elf.needed) EXPECT_THAT(lib, testing::Not(HasSubstr("libcupti")));
}
#endif

}  // namespace
