#include "trace_files.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bs_trace_test {

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bs-trace-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
}
TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

void write_gzip(const std::string& path, const std::string& text) {
    gzFile g = gzopen(path.c_str(), "wb");
    if (!g) throw std::runtime_error("gzopen failed");
    gzwrite(g, text.data(), static_cast<unsigned>(text.size()));
    gzclose(g);
}

std::string read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string small_gpu_trace(bool legacy) {
    // Times in microseconds. Step 7 is [1000, 1100), step 8 [1150, 1200).
    const char* events = R"JSON([
 {"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"python"}},
 {"ph":"X","cat":"user_annotation","name":"ProfilerStep#7","pid":1,"tid":1,"ts":1000,"dur":100},
 {"ph":"X","cat":"user_annotation","name":"enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__","pid":1,"tid":1,"ts":1000,"dur":20},
 {"ph":"X","cat":"cuda_runtime","name":"cudaMemcpyAsync","pid":1,"tid":1,"ts":1020,"dur":2,"args":{"correlation":1}},
 {"ph":"X","cat":"gpu_memcpy","name":"Memcpy HtoD (Pinned -> Device)","pid":0,"tid":7,"ts":1025,"dur":10,"args":{"correlation":1,"bytes":4096,"stream":7}},
 {"ph":"X","cat":"cpu_op","name":"aten::mm","pid":1,"tid":1,"ts":1029.5,"dur":5.25},
 {"ph":"X","cat":"cuda_runtime","name":"cudaLaunchKernel","pid":1,"tid":1,"ts":1030,"dur":2,"args":{"correlation":2}},
 {"ph":"s","cat":"ac2g","id":2,"pid":1,"tid":1,"ts":1030,"name":"ac2g"},
 {"ph":"X","cat":"kernel","name":"gemm_kernel","pid":0,"tid":7,"ts":1035,"dur":40,"args":{"correlation":2,"stream":7}},
 {"ph":"X","cat":"cuda_runtime","name":"cudaLaunchKernel","pid":1,"tid":1,"ts":1040,"dur":2,"args":{"correlation":3}},
 {"ph":"X","cat":"kernel","name":"ncclKernel_AllReduce_RING_LL_Sum_float","pid":0,"tid":8,"ts":1070,"dur":20,"args":{"correlation":3,"stream":8}},
 {"ph":"X","cat":"cuda_runtime","name":"cudaMemsetAsync","pid":1,"tid":1,"ts":1095,"dur":2,"args":{"correlation":4}},
 {"ph":"X","cat":"gpu_memset","name":"Memset (Device)","pid":0,"tid":7,"ts":1110,"dur":20,"args":{"correlation":4,"stream":7}},
 {"ph":"X","cat":"cuda_runtime","name":"cudaLaunchKernel","pid":1,"tid":1,"ts":1098,"dur":1,"args":{"correlation":6}},
 {"ph":"X","cat":"kernel","name":"late_kernel","pid":0,"tid":7,"ts":1140,"dur":20,"args":{"correlation":6,"stream":7}},
 {"ph":"X","cat":"gpu_user_annotation","name":"ProfilerStep#7","pid":0,"tid":7,"ts":1025,"dur":200},
 {"ph":"X","cat":"user_annotation","name":"ProfilerStep#8","pid":1,"tid":1,"ts":1150.000,"dur":50},
 {"ph":"X","cat":"user_annotation","name":"enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__","pid":1,"tid":1,"ts":1150,"dur":30},
 {"ph":"X","cat":"cuda_runtime","name":"cudaMemcpyAsync","pid":1,"tid":1,"ts":1160,"dur":1,"args":{"correlation":5}},
 {"ph":"X","cat":"gpu_memcpy","name":"Memcpy DtoH (Device -> Pageable)","pid":0,"tid":7,"ts":1170,"dur":20,"args":{"correlation":5,"bytes":100,"stream":7}}
])JSON";
    if (legacy) return events;
    return std::string(R"({"schemaVersion": 1, "distributedInfo": {"backend": "nccl", "rank": 3, "world_size": 8},
 "deviceProperties": [{"id": 0, "name": "Test GPU A"}, {"id": 1, "name": "Test GPU B"}],
 "traceEvents": )") + events + R"(,
 "baseTimeNanoseconds": 1711964646000000000, "displayTimeUnit": "ms"}
)";
}

void expect_small_gpu_trace_steps(const batchscope::trace_import::TraceAnalysis& a) {
    constexpr int64_t us = 1000;
    ASSERT_EQ(a.steps.size(), 2u);
    const batchscope::trace_import::StepParts& s7 = a.steps[0];
    EXPECT_EQ(s7.number, 7);
    EXPECT_EQ(s7.wall_ns, 150 * us);
    EXPECT_EQ(s7.compute_ns, 50 * us);
    EXPECT_EQ(s7.comm_ns, 15 * us);  // the collective, not compute
    EXPECT_EQ(s7.h2d_ns, 10 * us);
    EXPECT_EQ(s7.d2h_ns, 0);
    EXPECT_EQ(s7.other_gpu_ns, 20 * us);
    EXPECT_EQ(s7.data_wait_ns, 20 * us);
    EXPECT_EQ(s7.host_ns, 35 * us);
    const batchscope::trace_import::StepParts& s8 = a.steps[1];
    EXPECT_EQ(s8.number, 8);
    EXPECT_EQ(s8.wall_ns, 50 * us);
    EXPECT_EQ(s8.compute_ns, 10 * us);
    EXPECT_EQ(s8.d2h_ns, 20 * us);
    EXPECT_EQ(s8.data_wait_ns, 10 * us);
    EXPECT_EQ(s8.host_ns, 10 * us);
}

}  // namespace bs_trace_test
