#pragma once
// The fake compute plugin's checks of device pointers (EMULATED: its "device" memory is host
// memory it allocated): a pointer, or a kernel's whole operands (fake_kernel_ranges.h), must lie
// inside one device allocation; the allocations a kernel's arguments touch are in use until it
// has run (strict mode); a checksum tells whether host memory changed between a copy's call and
// its run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "fake_strict.h"

namespace fake_checks {

using Allocations = std::map<void*, size_t>;  // base -> bytes

// "" when [p, p + bytes) lies inside one device allocation, else what is wrong.
inline std::string device_range_error(const Allocations& device, const void* p, uint64_t bytes, const char* what) {
    if (!p) return std::string(what) + ": a null device pointer";
    auto it = device.upper_bound(const_cast<void*>(p));
    if (it != device.begin()) {
        --it;
        const uint64_t size = std::max<size_t>(it->second, 1);
        const auto off = static_cast<uint64_t>(static_cast<const char*>(p) - static_cast<const char*>(it->first));
        if (off <= size && bytes <= size - off) return {};
    }
    return std::string(what) + ": " + std::to_string(bytes) + " bytes at " +
           std::to_string(reinterpret_cast<uintptr_t>(p)) + " are not inside one device allocation (fake)";
}

inline uint64_t checksum(const void* p, uint64_t n) {
    uint64_t h = 1469598103934665603ull;
    const auto* b = static_cast<const unsigned char*>(p);
    for (uint64_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

// "" when every device pointer argument is null or inside a device allocation.
template <typename... A>
std::string pointer_args_error(const Allocations& device, const char* name, A... a) {
    std::string err;
    auto one = [&](auto v) {
        if constexpr (std::is_pointer_v<decltype(v)>)
            if (v && err.empty()) err = device_range_error(device, v, 1, name);
    };
    (one(a), ...);
    return err;
}

// The device allocations a kernel's pointer arguments lie in: in use until it has run.
template <typename... A>
std::vector<fake_strict::Range> allocations_of(const Allocations& device, A... a) {
    std::vector<fake_strict::Range> uses;
    auto one = [&](auto v) {
        if constexpr (std::is_pointer_v<decltype(v)>) {
            if (!v) return;
            auto it = device.upper_bound(const_cast<void*>(static_cast<const void*>(v)));
            if (it == device.begin()) return;
            --it;
            const char* b = static_cast<const char*>(it->first);
            uses.push_back({b, b + std::max<size_t>(it->second, 1)});
        }
    };
    (one(a), ...);
    return uses;
}

}  // namespace fake_checks
