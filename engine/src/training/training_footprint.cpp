#include "batchscope/engine/training_footprint.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "batchscope/engine/memory_fit.h"

namespace batchscope::engine {
namespace {

// One fully-connected layer: weights and biases; its output per sample.
void add_linear(int64_t in, int64_t out, int64_t& params, int64_t& outputs) {
    params += in * out + out;
    outputs += out;
}

std::string size_text(int64_t bytes) {
    char buf[48];
    const double b = static_cast<double>(bytes);
    if (bytes >= (int64_t{1} << 30)) std::snprintf(buf, sizeof buf, "%.1f GiB", b / (1 << 30));
    else std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1 << 20));
    return buf;
}

std::string limit_text(const HostMemoryLimits& l) {
    const int64_t avail = l.effective();
    std::string s = size_text(avail) + " available";
    if (l.address_space_left >= 0 && (l.mem_available < 0 || l.address_space_left < l.mem_available))
        s += " (what the address-space limit, ulimit -v, leaves this process)";
    else
        s += " (MemAvailable)";
    return s;
}

}  // namespace

TrainingFootprint estimate_training_footprint(const model::ModelSpec& spec, model::Shape in, int classes,
                                              model::OptimizerKind optimizer, int loader_batches) {
    int64_t params = 0, outputs = 0;  // outputs: floats of layer output per sample
    const int64_t k = classes;
    switch (spec.kind) {
    case model::ModelKind::LogReg:
    case model::ModelKind::Svm: add_linear(in.size(), k, params, outputs); break;
    case model::ModelKind::Mlp: {
        int64_t prev = in.size();
        for (int w : spec.widths) {
            add_linear(prev, w, params, outputs);
            prev = w;
        }
        add_linear(prev, k, params, outputs);
        break;
    }
    case model::ModelKind::Cnn: {
        int64_t c = in.c, h = in.h, w = in.w;
        for (int ci : spec.widths) {  // 3x3 conv (padding 1), then a 2x2 max-pool
            params += c * ci * 9 + ci;
            outputs += ci * h * w + ci * (h / 2) * (w / 2);
            c = ci, h /= 2, w /= 2;
        }
        int64_t prev = c * h * w;
        if (spec.fc > 0) {
            add_linear(prev, spec.fc, params, outputs);
            prev = spec.fc;
        }
        add_linear(prev, k, params, outputs);
        break;
    }
    }
    TrainingFootprint f;
    f.parameters = params;
    const int64_t state_copies = optimizer == model::OptimizerKind::Adam ? 2 : 1;  // momentum; Adam's two moments
    f.fixed_bytes = params * 4 * (2 + state_copies);
    const int64_t input = in.size() * 4;
    f.bytes_per_sample = outputs * 2 * 4 + input + (input + 4) * std::max(1, loader_batches);
    return f;
}

int64_t HostMemoryLimits::effective() const noexcept {
    if (mem_available < 0) return address_space_left;
    if (address_space_left < 0) return mem_available;
    return std::min(mem_available, address_space_left);
}

HostMemoryLimits host_memory_limits() noexcept {
    HostMemoryLimits l;
    if (std::FILE* f = std::fopen("/proc/meminfo", "r")) {
        char line[256];
        long long kib = -1;
        while (std::fgets(line, sizeof line, f))
            if (std::sscanf(line, "MemAvailable: %lld kB", &kib) == 1) break;
        std::fclose(f);
        if (kib >= 0) l.mem_available = static_cast<int64_t>(kib) * 1024;
    }
    rlimit lim{};
    if (getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
        long long pages = 0;
        if (std::FILE* s = std::fopen("/proc/self/statm", "r")) {
            if (std::fscanf(s, "%lld", &pages) != 1) pages = 0;
            std::fclose(s);
        }
        const int64_t used = static_cast<int64_t>(pages) * sysconf(_SC_PAGESIZE);
        l.address_space_left = std::max<int64_t>(0, static_cast<int64_t>(lim.rlim_cur) - used);
    }
    return l;
}

std::string training_memory_refusal(const TrainingFootprint& f, int batch, const HostMemoryLimits& limits) {
    const int64_t avail = limits.effective();
    if (avail < 0 || f.bytes_at(batch) <= avail) return {};
    if (f.fixed_bytes + f.bytes_per_sample > avail)
        return "the model does not fit in memory: its " + std::to_string(f.parameters) + " parameters need " +
               size_text(f.fixed_bytes) + " for weights, gradients and optimizer state, " + limit_text(limits) +
               ": use a smaller model (fewer or narrower layers)";
    const int fit = largest_batch_that_fits(f.fixed_bytes, f.bytes_per_sample, avail);
    return "batch size " + std::to_string(batch) + " does not fit in memory: the model needs " + size_text(f.fixed_bytes) +
           " and each sample of a batch about " + std::to_string(f.bytes_per_sample / 1024) +
           " KiB (activations, the input and the loader's batches), " + limit_text(limits) +
           ": the largest batch size that should fit is " + std::to_string(fit) +
           " (or prefetch fewer batches, with fewer workers)";
}

}  // namespace batchscope::engine
