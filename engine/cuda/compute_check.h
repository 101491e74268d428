#pragma once
// Internal to the compute table: argument checks shared by compute_api.cpp and compute_ops.cpp.
#include "compute_context.h"

#include <string>

namespace batchscope::cuda {

inline int32_t bad(BsGpuContext* ctx, const char* fn, const char* what) {
    return fail(ctx, BS_GPU_ERR_INVALID_ARGUMENT, std::string(fn) + ": " + what);
}

inline bool known_act(int32_t act) {
    return act == BS_GPU_ACT_IDENTITY || act == BS_GPU_ACT_RELU || act == BS_GPU_ACT_GELU;
}

}  // namespace batchscope::cuda

// A context, non-null pointers, non-negative sizes: the failing check is named in last_error.
#define BS_REQUIRE(cond, msg) \
    if (!(cond)) return bad(ctx, __func__, msg)
#define BS_REQUIRE_CTX() \
    if (!ctx) return BS_GPU_ERR_INVALID_ARGUMENT
