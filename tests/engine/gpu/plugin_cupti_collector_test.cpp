// The core's side of the plugin's CUPTI collector, with hand-built records behind an in-process
// table: BsGpuActivity -> profiler::GpuActivity, draining in chunks, names, tags, refusals.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "batchscope/engine/plugin_cupti_collector.h"

using namespace batchscope;
using engine::PluginCuptiCollector;
using engine::to_gpu_activity;

namespace {

BsGpuActivity record(uint8_t kind, int64_t s, int64_t e, int64_t id = -1, uint8_t phase = BS_GPU_ACTIVITY_NO_PHASE) {
    BsGpuActivity a{};
    a.kind = kind;
    a.start_ns = s;
    a.end_ns = e;
    a.external_id = id;
    a.phase = phase;
    if (id >= 0) a.flags = BS_GPU_ACTIVITY_FLAG_HAS_EXTERNAL;
    return a;
}

// A collector table over a list of hand-built records.
struct Table {
    static inline std::vector<BsGpuActivity> records;
    static inline std::vector<std::string> names{"", "sgemm_kernel"};
    static inline std::vector<std::pair<int64_t, uint8_t>> pushed;
    static inline int pops = 0, name_calls = 0, forced_flushes = 0;
    static inline bool refuse = false;
    static inline BsCuptiSession* session = reinterpret_cast<BsCuptiSession*>(&records);

    static BsCuptiSession* start(uint32_t, char* why, uint32_t cap) {
        if (!refuse) return session;
        std::strncpy(why, "CUPTI_ERROR_INSUFFICIENT_PRIVILEGES (35): profiling is restricted", cap - 1);
        return nullptr;
    }
    static void stop(BsCuptiSession*) {}
    static int32_t flush(BsCuptiSession*, int32_t forced) {
        forced_flushes += forced;
        return 0;
    }
    static int32_t push(BsCuptiSession*, int64_t id, uint8_t phase) {
        if (id < 0) return 1;
        pushed.emplace_back(id, phase);
        return 0;
    }
    static int32_t pop(BsCuptiSession*) {
        ++pops;
        return 0;
    }
    static uint32_t drain(BsCuptiSession*, BsGpuActivity* out, uint32_t cap) {
        const size_t n = std::min<size_t>(cap, records.size());
        std::memcpy(out, records.data(), n * sizeof(BsGpuActivity));
        records.erase(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(n));
        return static_cast<uint32_t>(n);
    }
    static uint32_t name(BsCuptiSession*, uint32_t id, char* out, uint32_t cap) {
        ++name_calls;
        const std::string& n = id < names.size() ? names[id] : names[0];
        if (out && cap) {
            std::strncpy(out, n.c_str(), cap - 1);
            out[cap - 1] = '\0';
        }
        return static_cast<uint32_t>(n.size());
    }
    static void stats_fn(BsCuptiSession*, BsCuptiStats* s) {
        s->records = 42;
        s->dropped = 3;
    }
    static BsCuptiCollectorApi api() {
        return {sizeof(BsCuptiCollectorApi), &start, &stop, &flush, &push, &pop, &drain, &name, &stats_fn};
    }
};

}  // namespace

TEST(CuptiConversion, KernelCopiesAndTags) {
    profiler::GpuActivity a;
    BsGpuActivity k = record(BS_GPU_ACTIVITY_KERNEL, 100, 250, 7, static_cast<uint8_t>(profiler::Phase::Compute));
    k.stream_id = 13;
    k.device_id = 1;
    k.correlation_id = 99;
    ASSERT_TRUE(to_gpu_activity(k, "sgemm_kernel", a));
    EXPECT_EQ(a.kind, profiler::GpuActivityKind::Kernel);
    EXPECT_EQ(a.name, "sgemm_kernel");
    EXPECT_EQ(a.start_ns, 100);
    EXPECT_EQ(a.duration_ns(), 150);
    EXPECT_EQ(a.id, 7);
    EXPECT_TRUE(a.has_phase);
    EXPECT_EQ(a.phase, profiler::Phase::Compute);
    EXPECT_EQ(a.stream_id, 13u);
    EXPECT_EQ(a.device_id, 1u);
    EXPECT_EQ(a.correlation_id, 99u);
    EXPECT_EQ(a.direction, profiler::CopyDirection::Unknown);

    BsGpuActivity c = record(BS_GPU_ACTIVITY_MEMCPY, 0, 10, 3, static_cast<uint8_t>(profiler::Phase::H2D));
    c.copy_kind = BS_GPU_COPY_HTOD;
    c.bytes = 1u << 20;
    c.flags = static_cast<uint8_t>(c.flags | BS_GPU_ACTIVITY_FLAG_PINNED);
    ASSERT_TRUE(to_gpu_activity(c, "", a));
    EXPECT_EQ(a.kind, profiler::GpuActivityKind::Memcpy);
    EXPECT_EQ(a.direction, profiler::CopyDirection::HtoD);
    EXPECT_TRUE(a.pinned);
    EXPECT_EQ(a.bytes, 1u << 20);
    EXPECT_EQ(a.phase, profiler::Phase::H2D);

    c.copy_kind = BS_GPU_COPY_DTOH;
    c.flags = 0;  // pageable, and no external id joined: the id the record carries does not count
    ASSERT_TRUE(to_gpu_activity(c, "", a));
    EXPECT_EQ(a.direction, profiler::CopyDirection::DtoH);
    EXPECT_FALSE(a.pinned);
    EXPECT_EQ(a.id, -1);
    EXPECT_FALSE(a.has_phase);

    BsGpuActivity odd = record(BS_GPU_ACTIVITY_KERNEL, 0, 1, 5, 200);  // a phase this program does not know
    ASSERT_TRUE(to_gpu_activity(odd, "k", a));
    EXPECT_EQ(a.id, 5);
    EXPECT_FALSE(a.has_phase);

    EXPECT_FALSE(to_gpu_activity(record(BS_GPU_ACTIVITY_OVERHEAD + 1, 0, 1), "", a));  // a newer plugin's kind
    BsGpuActivity bad_copy = record(BS_GPU_ACTIVITY_MEMCPY, 0, 1);
    bad_copy.copy_kind = BS_GPU_COPY_PTOP + 1;
    EXPECT_FALSE(to_gpu_activity(bad_copy, "", a));
}

TEST(CuptiConversion, DrainsInChunksLooksNamesUpOnceAndCountsUnknownKinds) {
    Table::records.clear();
    Table::name_calls = 0;
    for (int i = 0; i < 10000; ++i) {
        BsGpuActivity r = record(BS_GPU_ACTIVITY_KERNEL, i * 10, i * 10 + 5, i / 100);
        r.name_id = 1;
        Table::records.push_back(r);
    }
    Table::records.push_back(record(9, 0, 1));  // unknown kind
    const BsCuptiCollectorApi api = Table::api();
    PluginCuptiCollector c(&api);
    std::string why;
    ASSERT_TRUE(c.start(why)) << why;
    std::vector<profiler::GpuActivity> out;
    EXPECT_EQ(c.drain(out), 10000u);
    ASSERT_EQ(out.size(), 10000u);
    EXPECT_EQ(out.back().id, 99);
    EXPECT_EQ(out.back().name, "sgemm_kernel");
    EXPECT_EQ(c.unknown_records(), 1u);
    EXPECT_EQ(Table::name_calls, 3);  // once per name id: length and text of "sgemm_kernel", length of ""
    EXPECT_EQ(c.drain(out), 0u);      // nothing more
    EXPECT_EQ(c.stats().dropped, 3u);
    EXPECT_EQ(c.stats().records, 42u);
    c.flush(true);
    EXPECT_EQ(Table::forced_flushes, 1);
}

TEST(CuptiConversion, TagsGoThroughTheBackendsPushAndPop) {
    Table::pushed.clear();
    Table::pops = 0;
    const BsCuptiCollectorApi api = Table::api();
    PluginCuptiCollector c(&api);
    EXPECT_FALSE(c.push(1, profiler::Phase::H2D));  // not started: nothing pushed
    std::string why;
    ASSERT_TRUE(c.start(why));
    EXPECT_TRUE(c.push(4, profiler::Phase::D2H));
    c.pop();
    EXPECT_FALSE(c.push(-1, profiler::Phase::H2D));  // refused by the plugin: counted
    EXPECT_EQ(c.tag_errors(), 1u);
    ASSERT_EQ(Table::pushed.size(), 1u);
    EXPECT_EQ(Table::pushed[0].first, 4);
    EXPECT_EQ(Table::pushed[0].second, static_cast<uint8_t>(profiler::Phase::D2H));
    EXPECT_EQ(Table::pops, 1);
}

TEST(CuptiConversion, RefusalsCarryTheReason) {
    Table::refuse = true;
    const BsCuptiCollectorApi api = Table::api();
    PluginCuptiCollector refused(&api);
    std::string why;
    EXPECT_FALSE(refused.start(why));
    EXPECT_NE(why.find("INSUFFICIENT_PRIVILEGES"), std::string::npos) << why;
    Table::refuse = false;

    BsCuptiCollectorApi shorter = Table::api();
    shorter.struct_size = offsetof(BsCuptiCollectorApi, name);  // a plugin with an older, shorter table
    PluginCuptiCollector old(&shorter);
    EXPECT_FALSE(old.start(why));
    EXPECT_NE(why.find("incomplete"), std::string::npos) << why;

    PluginCuptiCollector none(nullptr);
    EXPECT_FALSE(none.start(why));
    EXPECT_NE(why.find("no CUPTI collector"), std::string::npos) << why;
}
