// IDX datasets (plain or gzipped): read_idx_u8 must refuse anything malformed with a
// DatasetError; any other exception, a crash or a sanitizer report is a finding.
#include <cstdint>
#include <string>

#include "batchscope/engine/dataset_error.h"
#include "batchscope/engine/idx_reader.h"
#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = bs_fuzz::scratch_path("data-idx3-ubyte");
    bs_fuzz::write_file(path, data, size);
    try {
        const auto a = batchscope::engine::read_idx_u8(path);
        uint64_t n = 1;
        for (uint32_t d : a.dims) n *= d;
        if (n != a.data.size()) __builtin_trap();  // accepted, but not what its header says
    } catch (const batchscope::engine::DatasetError&) {
    }
    return 0;
}
