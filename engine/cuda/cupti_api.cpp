#include "cupti_api.h"

#include <cupti_result.h>

#include <cstring>
#include <exception>
#include <string>

#include "cupti_session.h"

namespace batchscope::cuda {
namespace {

CuptiSession* cast(BsCuptiSession* s) noexcept { return reinterpret_cast<CuptiSession*>(s); }

void copy_why(const std::string& why, char* out, uint32_t cap) noexcept {
    if (!out || cap == 0) return;
    const size_t n = std::min<size_t>(why.size(), cap - 1);
    std::memcpy(out, why.data(), n);
    out[n] = '\0';
}

BsCuptiSession* start(uint32_t flush_period_ms, char* why, uint32_t why_cap) {
    std::string reason;
    try {
        auto s = CuptiSession::start(flush_period_ms, reason);
        if (s) return reinterpret_cast<BsCuptiSession*>(s.release());
    } catch (const std::exception& e) {
        reason = std::string("CUPTI could not start: ") + e.what();
    }
    copy_why(reason.empty() ? "CUPTI could not start" : reason, why, why_cap);
    return nullptr;
}

void stop(BsCuptiSession* s) { delete cast(s); }

constexpr int32_t kBadSession = static_cast<int32_t>(CUPTI_ERROR_INVALID_PARAMETER);

int32_t flush(BsCuptiSession* s, int32_t forced) {
    if (!s) return kBadSession;
    try {
        return cast(s)->flush(forced != 0);
    } catch (...) {
        return static_cast<int32_t>(CUPTI_ERROR_OUT_OF_MEMORY);
    }
}

int32_t push_external_id(BsCuptiSession* s, int64_t id, uint8_t phase) {
    return s ? cast(s)->push_external_id(id, phase) : kBadSession;
}

int32_t pop_external_id(BsCuptiSession* s) { return s ? cast(s)->pop_external_id() : kBadSession; }

uint32_t drain(BsCuptiSession* s, BsGpuActivity* out, uint32_t cap) {
    if (!s || (!out && cap)) return 0;
    try {
        return cast(s)->drain(out, cap);
    } catch (...) {
        return 0;
    }
}

uint32_t name(BsCuptiSession* s, uint32_t name_id, char* out, uint32_t cap) {
    if (!s) return 0;
    try {
        return cast(s)->name(name_id, out, cap);
    } catch (...) {
        return 0;
    }
}

void stats(BsCuptiSession* s, BsCuptiStats* out) {
    if (!s || !out || out->struct_size < sizeof(uint32_t)) return;
    cast(s)->stats(*out);
}

constexpr BsCuptiCollectorApi kApi{
    sizeof(BsCuptiCollectorApi), &start, &stop, &flush, &push_external_id, &pop_external_id, &drain, &name, &stats,
};

}  // namespace

const BsCuptiCollectorApi* cupti_collector_api() noexcept { return &kApi; }

}  // namespace batchscope::cuda
