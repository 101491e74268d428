#include "batchscope/engine/data/storage_profile.h"

#include <array>

namespace batchscope::engine::data {
namespace {

// The emulated numbers are typical published figures, not measurements of this machine; see
// docs/BENCHMARKS-data.md ("Storage profiles") for where each one comes from.
constexpr std::array<StorageProfile, kStorageKindCount> kProfiles = {{
    {StorageKind::PageCache, "page-cache", "page cache",
     "reads served from the operating system's page cache as they are (after the first touch, memory speed)",
     false, 0, 0, 0, 0},
    {StorageKind::Cold, "cold", "cold (page cache bypassed)",
     "every read goes to the real disk with O_DIRECT (falling back to dropping the file's cached pages "
     "before each epoch where the file system refuses O_DIRECT)",
     false, 0, 0, 0, 0},
    {StorageKind::EmulatedNvme, "emulated-nvme", "NVMe SSD (emulated)",
     "emulated NVMe SSD: 80 us per read, 3.0 GB/s, 32 reads in flight", true, 80'000, 0, 3.0e9, 32},
    {StorageKind::EmulatedSataSsd, "emulated-sata-ssd", "SATA SSD (emulated)",
     "emulated SATA SSD: 100 us per read, 530 MB/s, 32 reads in flight (NCQ)", true, 100'000, 0, 530e6, 32},
    {StorageKind::EmulatedHdd, "emulated-hdd", "HDD 7200 rpm (emulated)",
     "emulated 7200 rpm HDD: 12.7 ms seek + rotation for a read that does not follow the previous one, "
     "50 us otherwise, 160 MB/s, one head",
     true, 50'000, 12'670'000, 160e6, 1},
    {StorageKind::EmulatedNfs, "emulated-nfs", "NFS over 1 GbE (emulated)",
     "emulated NFS share over 1 Gb Ethernet: 500 us per read (network round trip + server), 110 MB/s, "
     "16 RPCs in flight",
     true, 500'000, 0, 110e6, 16},
}};

}  // namespace

std::span<const StorageProfile> storage_profiles() noexcept { return kProfiles; }

const StorageProfile& storage_profile(StorageKind k) noexcept {
    const auto i = static_cast<size_t>(k);
    return kProfiles[i < kProfiles.size() ? i : 0];
}

std::optional<StorageKind> parse_storage_kind(std::string_view id) noexcept {
    for (const StorageProfile& p : kProfiles)
        if (id == p.id) return p.kind;
    return std::nullopt;
}

std::string storage_ids() {
    std::string s;
    for (const StorageProfile& p : kProfiles) {
        if (!s.empty()) s += ", ";
        s += p.id;
    }
    return s;
}

}  // namespace batchscope::engine::data
