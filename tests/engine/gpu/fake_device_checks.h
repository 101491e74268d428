#pragma once
// The fake compute plugin's checks of device pointers (EMULATED: its "device" memory is host
// memory it allocated): a pointer, or a GEMM's whole operands, must lie inside one device
// allocation; the allocations a kernel's arguments touch are in use until it has run (strict
// mode); a checksum tells whether host memory changed between a copy's call and its run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
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
        const char* b = static_cast<const char*>(it->first);
        const char* q = static_cast<const char*>(p);
        if (q >= b && q + bytes <= b + std::max<size_t>(it->second, 1)) return {};
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

// The GEMM's operands, whole: row-major A (m x k, or k x m transposed), B (k x n, or n x k), C (m x n).
inline std::string sgemm_range_error(const Allocations& device, int32_t ta, int32_t tb, int32_t m, int32_t n, int32_t k,
                                     float, const float* a, int32_t lda, const float* b, int32_t ldb, float,
                                     const float* cc, int32_t ldc) {
    if (m <= 0 || n <= 0 || k <= 0) return {};
    auto extent = [](int32_t rows, int32_t cols, int32_t ld) {
        return ld < cols ? uint64_t{0} : ((static_cast<uint64_t>(rows) - 1) * static_cast<uint64_t>(ld) + cols) * 4;
    };
    const uint64_t ea = ta ? extent(k, m, lda) : extent(m, k, lda);
    const uint64_t eb = tb ? extent(n, k, ldb) : extent(k, n, ldb);
    const uint64_t ec = extent(m, n, ldc);
    if (!ea || !eb || !ec) return "sgemm: a leading dimension smaller than its row (fake)";
    for (auto [p, e, what] :
         {std::tuple{static_cast<const void*>(a), ea, "sgemm A"}, {b, eb, "sgemm B"}, {cc, ec, "sgemm C"}})
        if (std::string err = device_range_error(device, p, e, what); !err.empty()) return err;
    return {};
}

}  // namespace fake_checks
