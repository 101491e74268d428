#pragma once
// Where the samples are read from: the page cache as it is, cold reads that bypass it, or an
// emulated device (NVMe, SATA SSD, HDD, NFS) that adds its modelled latency and transfer time
// to every read. Emulated profiles say "emulated" in their id, name and description.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace batchscope::engine::data {

enum class StorageKind : uint8_t { PageCache = 0, Cold, EmulatedNvme, EmulatedSataSsd, EmulatedHdd, EmulatedNfs };
inline constexpr int kStorageKindCount = 6;

struct StorageProfile {
    StorageKind kind;
    const char* id;           // for command lines and files: "page-cache", "emulated-hdd", ...
    const char* name;         // for people: "HDD 7200 rpm (emulated)"
    const char* description;  // one sentence: what it does and the numbers it uses
    bool emulated;
    // Timing model of an emulated device (zero for the real profiles): every read waits
    // `latency_ns`, plus `seek_ns` when it does not start where the previous read ended (HDD),
    // then its bytes cross a shared link of `bandwidth_bytes_per_s`. `parallelism` reads can be
    // in their latency phase at the same time (command queue depth / head count / RPC slots).
    int64_t latency_ns;
    int64_t seek_ns;
    double bandwidth_bytes_per_s;
    int parallelism;
};

// All profiles, in StorageKind order.
std::span<const StorageProfile> storage_profiles() noexcept;
const StorageProfile& storage_profile(StorageKind k) noexcept;
// By id ("page-cache", "cold", "emulated-nvme", "emulated-sata-ssd", "emulated-hdd", "emulated-nfs").
std::optional<StorageKind> parse_storage_kind(std::string_view id) noexcept;
// "page-cache, cold, emulated-nvme, ..." for messages that list the choices.
std::string storage_ids();

}  // namespace batchscope::engine::data
