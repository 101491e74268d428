#pragma once
// The fake compute plugin's check of every emulated kernel's arguments (EMULATED: its "device"
// memory is host memory it allocated): first what the real plugin refuses of the sizes and
// aliasing (negative sizes, a window that does not fit, an output that may not alias its input,
// ...: engine/cuda/compute_ops.cpp), then each pointer operand's WHOLE extent, computed from the
// sizes as the CUDA kernels index it (engine/cuda/*.cu), inside one device allocation. One
// function per kernel, named as its BsGpuComputeApi field, taking its arguments after the
// context: "" when the call is fine, else what is wrong, naming the kernel and the operand
// ("bias_add y: 96 bytes at ... are not inside one device allocation (fake)"). An operand whose
// extent is 0 is not looked at (the real kernel does not touch it).
#include "batchscope/engine/gpu_plugin_abi.h"
#include "fake_device_checks.h"

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

namespace fake_ranges {

using fake_checks::Allocations;

struct Size {
    const char* name;
    int64_t value;
    int64_t least;  // the smallest value the real plugin takes
};
// "" when every size is at least its least value, else "<kernel>: <name> is <v> (at least <least>)".
inline std::string sizes_error(const char* kernel, std::initializer_list<Size> sizes) {
    for (const Size& s : sizes)
        if (s.value < s.least)
            return std::string(kernel) + ": " + s.name + " is " + std::to_string(s.value) + " (must be at least " +
                   std::to_string(s.least) + "; fake)";
    return {};
}

// elem * the product of dims, saturated (never wraps into a small extent that would pass).
inline uint64_t bytes_of(uint64_t elem, std::initializer_list<int64_t> dims) {
    uint64_t r = elem;
    for (int64_t d : dims)
        if (d <= 0) return 0;
        else if (__builtin_mul_overflow(r, static_cast<uint64_t>(d), &r)) return std::numeric_limits<uint64_t>::max();
    return r;
}

struct Operand {
    const char* name;
    const void* p;
    uint64_t bytes;
};
// "" when each operand with a non-zero extent lies whole inside one device allocation.
inline std::string operands_error(const Allocations& device, const char* kernel, std::initializer_list<Operand> ops) {
    for (const Operand& o : ops) {
        if (o.bytes == 0) continue;
        const std::string what = std::string(kernel) + " " + o.name;
        if (std::string e = fake_checks::device_range_error(device, o.p, o.bytes, what.c_str()); !e.empty()) return e;
    }
    return {};
}

constexpr uint64_t kF = sizeof(float), kI = sizeof(int32_t);
// n floats, saturated.
inline uint64_t floats(uint64_t n) {
    return n > std::numeric_limits<uint64_t>::max() / kF ? std::numeric_limits<uint64_t>::max() : n * kF;
}

// Row-major A (m x k, or k x m transposed), B (k x n, or n x k), C (m x n), each with its row stride.
inline std::string sgemm(const Allocations& d, int32_t ta, int32_t tb, int32_t m, int32_t n, int32_t k, float,
                         const float* a, int32_t lda, const float* b, int32_t ldb, float, const float* c, int32_t ldc) {
    if (auto e = sizes_error("sgemm", {{"m", m, 0}, {"n", n, 0}, {"k", k, 0}}); !e.empty()) return e;
    if (m == 0 || n == 0 || k == 0) return {};
    auto extent = [](int64_t rows, int64_t cols, int64_t ld) {
        return ld < cols ? 0 : bytes_of(kF, {(rows - 1) * ld + cols});
    };
    const uint64_t ea = ta ? extent(k, m, lda) : extent(m, k, lda);
    const uint64_t eb = tb ? extent(n, k, ldb) : extent(k, n, ldb);
    const uint64_t ec = extent(m, n, ldc);
    if (!ea || !eb || !ec) return "sgemm: a leading dimension smaller than its row (fake)";
    return operands_error(d, "sgemm", {{"A", a, ea}, {"B", b, eb}, {"C", c, ec}});
}

inline std::string bias_activation(const Allocations& d, int32_t act, float* z, const float* bias, float* a,
                                   int32_t rows, int32_t cols) {
    if (auto e = sizes_error("bias_activation", {{"rows", rows, 0}, {"cols", cols, 1}}); !e.empty()) return e;
    if (a == z && act != BS_GPU_ACT_IDENTITY) return "bias_activation: a may equal z only for the identity (fake)";
    const uint64_t zb = rows ? bytes_of(kF, {rows, cols}) : 0;
    return operands_error(d, "bias_activation", {{"z", z, zb}, {"bias", bias, rows ? bytes_of(kF, {cols}) : 0},
                                                 {"a", a, a ? zb : 0}});
}

inline std::string activation_backward(const Allocations& d, int32_t, const float* x, const float* dy, float* dx,
                                       uint64_t n) {
    const uint64_t b = floats(n);
    return operands_error(d, "activation_backward", {{"x", x, b}, {"dy", dy, b}, {"dx", dx, b}});
}

// softmax_xent, hinge and argmax_match: rows x cols scores, one label and one output per row.
inline std::string rows_error(const Allocations& d, const char* kernel, const float* in, const int32_t* labels,
                              int32_t rows, int32_t cols, const float* row_out, const float* grad) {
    if (auto e = sizes_error(kernel, {{"rows", rows, 0}, {"cols", cols, 2}}); !e.empty()) return e;
    const uint64_t zb = bytes_of(kF, {rows, cols});
    return operands_error(d, kernel, {{"scores", in, zb}, {"labels", labels, bytes_of(kI, {rows})},
                                      {"row output", row_out, bytes_of(kF, {rows})}, {"grad", grad, grad ? zb : 0}});
}
inline std::string softmax_xent(const Allocations& d, const float* z, const int32_t* y, int32_t rows, int32_t cols,
                                float, float* loss, float* grad) {
    return rows_error(d, "softmax_xent", z, y, rows, cols, loss, grad);
}
inline std::string hinge(const Allocations& d, const float* z, const int32_t* y, int32_t rows, int32_t cols, float,
                         float, float* loss, float* grad) {
    return rows_error(d, "hinge", z, y, rows, cols, loss, grad);
}
inline std::string argmax_match(const Allocations& d, const float* z, const int32_t* y, int32_t rows, int32_t cols,
                                float* ok) {
    return rows_error(d, "argmax_match", z, y, rows, cols, ok, nullptr);
}

inline std::string sgd_momentum(const Allocations& d, float* w, float* v, const float* g, uint64_t n, float, float,
                                float) {
    const uint64_t b = floats(n);
    return operands_error(d, "sgd_momentum", {{"w", w, b}, {"v", v, b}, {"g", g, b}});
}

inline std::string adam(const Allocations& d, float* w, float* m, float* v, const float* g, uint64_t n, float, float,
                        float, float, float, int32_t t) {
    if (auto e = sizes_error("adam", {{"t", t, 1}}); !e.empty()) return e;
    const uint64_t b = floats(n);
    return operands_error(d, "adam", {{"w", w, b}, {"m", m, b}, {"v", v, b}, {"g", g, b}});
}

inline std::string sum(const Allocations& d, const float* x, uint64_t n, float* out) {
    return operands_error(d, "sum", {{"x", x, floats(n)}, {"out", out, kF}});
}

inline std::string column_sum(const Allocations& d, const float* x, int32_t rows, int32_t cols, float, float* out) {
    if (auto e = sizes_error("column_sum", {{"rows", rows, 0}, {"cols", cols, 0}}); !e.empty()) return e;
    return operands_error(d, "column_sum", {{"x", x, bytes_of(kF, {rows, cols})}, {"out", out, bytes_of(kF, {cols})}});
}

inline std::string activation_forward(const Allocations& d, int32_t, const float* x, float* y, uint64_t n) {
    return operands_error(d, "activation_forward", {{"x", x, floats(n)}, {"y", y, floats(n)}});
}

// y (or dy) is outer x channels x inner, bias (or gb) one per channel.
inline std::string bias_add(const Allocations& d, float* y, const float* bias, int32_t outer, int32_t channels,
                            int32_t inner) {
    if (auto e = sizes_error("bias_add", {{"outer", outer, 0}, {"channels", channels, 0}, {"inner", inner, 1}});
        !e.empty())
        return e;
    const uint64_t yb = bytes_of(kF, {outer, channels, inner});
    return operands_error(d, "bias_add", {{"y", y, yb}, {"bias", bias, yb ? bytes_of(kF, {channels}) : 0}});
}
inline std::string bias_grad(const Allocations& d, const float* dy, int32_t outer, int32_t channels, int32_t inner,
                             float* gb) {
    if (auto e = sizes_error("bias_grad", {{"outer", outer, 0}, {"channels", channels, 0}, {"inner", inner, 1}});
        !e.empty())
        return e;
    return operands_error(d, "bias_grad",
                          {{"dy", dy, bytes_of(kF, {outer, channels, inner})}, {"gb", gb, bytes_of(kF, {channels})}});
}

inline std::string dropout(const Allocations& d, const float* x, const float* keep, float, float* y, uint64_t n) {
    return operands_error(d, "dropout", {{"x", x, floats(n)}, {"keep", keep, floats(n)}, {"y", y, floats(n)}});
}
inline std::string dropout_grad(const Allocations& d, const float* dy, const float* keep, float, float* dx, uint64_t n) {
    return operands_error(d, "dropout_grad", {{"dy", dy, floats(n)}, {"keep", keep, floats(n)}, {"dx", dx, floats(n)}});
}

// A k x k window over n samples of c x h x w (stride, pad): "" when the real plugin takes it; the
// unfolded matrix is c*k*k x n*oh*ow floats (oh, ow as in conv_batch_kernels.cu).
inline std::string conv_sizes_error(const char* kernel, int32_t n, int32_t c, int32_t h, int32_t w, int32_t k,
                                    int32_t stride, int32_t pad) {
    if (auto e = sizes_error(kernel, {{"n", n, 1}, {"c", c, 1}, {"h", h, 1}, {"w", w, 1}, {"k", k, 1},
                                      {"stride", stride, 1}, {"pad", pad, 0}});
        !e.empty())
        return e;
    if (int64_t{h} + 2 * int64_t{pad} < k || int64_t{w} + 2 * int64_t{pad} < k)
        return std::string(kernel) + ": the " + std::to_string(k) + " x " + std::to_string(k) + " window does not fit " +
               std::to_string(h) + " x " + std::to_string(w) + " with pad " + std::to_string(pad) + " (fake)";
    return {};
}
inline uint64_t col_bytes(int32_t n, int32_t c, int32_t h, int32_t w, int32_t k, int32_t stride, int32_t pad) {
    const int64_t oh = (int64_t{h} + 2 * pad - k) / stride + 1, ow = (int64_t{w} + 2 * pad - k) / stride + 1;
    return bytes_of(kF, {c, k, k, n, oh, ow});
}
inline std::string im2col_batch(const Allocations& d, const float* x, int32_t n, int32_t c, int32_t h, int32_t w,
                                int32_t k, int32_t stride, int32_t pad, float* col) {
    if (auto e = conv_sizes_error("im2col_batch", n, c, h, w, k, stride, pad); !e.empty()) return e;
    return operands_error(d, "im2col_batch",
                          {{"x", x, bytes_of(kF, {n, c, h, w})}, {"col", col, col_bytes(n, c, h, w, k, stride, pad)}});
}
inline std::string col2im_batch(const Allocations& d, const float* col, int32_t n, int32_t c, int32_t h, int32_t w,
                                int32_t k, int32_t stride, int32_t pad, float* x) {
    if (auto e = conv_sizes_error("col2im_batch", n, c, h, w, k, stride, pad); !e.empty()) return e;
    return operands_error(d, "col2im_batch",
                          {{"col", col, col_bytes(n, c, h, w, k, stride, pad)}, {"x", x, bytes_of(kF, {n, c, h, w})}});
}
inline std::string im2col(const Allocations& d, const float* x, int32_t c, int32_t h, int32_t w, int32_t k,
                          int32_t stride, int32_t pad, float* col) {
    if (auto e = conv_sizes_error("im2col", 1, c, h, w, k, stride, pad); !e.empty()) return e;
    return operands_error(d, "im2col",
                          {{"x", x, bytes_of(kF, {c, h, w})}, {"col", col, col_bytes(1, c, h, w, k, stride, pad)}});
}
inline std::string col2im(const Allocations& d, const float* col, int32_t c, int32_t h, int32_t w, int32_t k,
                          int32_t stride, int32_t pad, float* x) {
    if (auto e = conv_sizes_error("col2im", 1, c, h, w, k, stride, pad); !e.empty()) return e;
    return operands_error(d, "col2im",
                          {{"col", col, col_bytes(1, c, h, w, k, stride, pad)}, {"x", x, bytes_of(kF, {c, h, w})}});
}

inline std::string pool_sizes_error(const char* kernel, int32_t planes, int32_t h, int32_t w, int32_t k, int32_t s) {
    if (auto e = sizes_error(kernel, {{"planes", planes, 1}}); !e.empty()) return e;
    return conv_sizes_error(kernel, 1, 1, h, w, k, s, 0);
}
// planes of h x w in, planes of oh x ow out (k x k, stride s, no padding), one winner index per output.
inline std::string maxpool(const Allocations& d, const float* x, int32_t planes, int32_t h, int32_t w, int32_t k,
                           int32_t s, float* y, int32_t* arg) {
    if (auto e = pool_sizes_error("maxpool", planes, h, w, k, s); !e.empty()) return e;
    const int64_t oh = (h - k) / s + 1, ow = (w - k) / s + 1;
    return operands_error(d, "maxpool", {{"x", x, bytes_of(kF, {planes, h, w})}, {"y", y, bytes_of(kF, {planes, oh, ow})},
                                         {"arg", arg, bytes_of(kI, {planes, oh, ow})}});
}
inline std::string maxpool_grad(const Allocations& d, const float* dy, const int32_t* arg, int32_t planes, int32_t h,
                                int32_t w, int32_t k, int32_t s, float* dx) {
    if (auto e = pool_sizes_error("maxpool_grad", planes, h, w, k, s); !e.empty()) return e;
    const int64_t oh = (h - k) / s + 1, ow = (w - k) / s + 1;
    return operands_error(d, "maxpool_grad", {{"dy", dy, bytes_of(kF, {planes, oh, ow})},
                                              {"arg", arg, bytes_of(kI, {planes, oh, ow})},
                                              {"dx", dx, bytes_of(kF, {planes, h, w})}});
}

// [a][b][inner] -> [b][a][inner]; x and y must not overlap (the kernel reads x while writing y).
inline std::string transpose_outer(const Allocations& d, const float* x, int32_t a, int32_t b, int32_t inner, float* y) {
    if (auto e = sizes_error("transpose_outer", {{"a", a, 1}, {"b", b, 1}, {"inner", inner, 1}}); !e.empty()) return e;
    const uint64_t n = bytes_of(kF, {a, b, inner});
    if (auto e = operands_error(d, "transpose_outer", {{"x", x, n}, {"y", y, n}}); !e.empty()) return e;
    const auto px = reinterpret_cast<uintptr_t>(x), py = reinterpret_cast<uintptr_t>(y);
    if (px < py + n && py < px + n) return "transpose_outer: x and y overlap (fake)";
    return {};
}

// n samples of pixels x channels bytes in, as many floats out.
inline std::string collate_u8(const Allocations& d, const uint8_t* hwc, int32_t n, int32_t pixels, int32_t channels,
                              BsGpuCollate, float* chw) {
    if (auto e = sizes_error("collate_u8", {{"n", n, 1}, {"pixels", pixels, 1}}); !e.empty()) return e;
    if (channels != 1 && channels != 3)
        return "collate_u8: channels is " + std::to_string(channels) + " (must be 1 or 3; fake)";
    return operands_error(d, "collate_u8", {{"hwc", hwc, bytes_of(1, {n, pixels, channels})},
                                            {"chw", chw, bytes_of(kF, {n, pixels, channels})}});
}

}  // namespace fake_ranges
