#include "training_data.h"

#include <algorithm>

#include "batchscope/engine/memory_fit.h"
#include "batchscope/engine/loader/sampler.h"

namespace batchscope::engine {

void accumulate(LoaderStats& acc, const LoaderStats& s) {
    acc.parts += s.parts;
    acc.samples += s.samples;
    acc.skipped += s.skipped;
    for (const std::string& name : s.skipped_samples)
        if (acc.skipped_samples.size() < kNamedSkips) acc.skipped_samples.push_back(name);
    acc.batches += s.batches;
    if (acc.workers.size() < s.workers.size()) acc.workers.resize(s.workers.size());
    for (size_t i = 0; i < s.workers.size(); ++i) {
        acc.workers[i].busy_ns += s.workers[i].busy_ns;
        acc.workers[i].idle_ns += s.workers[i].idle_ns;
        acc.workers[i].batches += s.workers[i].batches;
    }
}

data::AugmentOptions epoch_augment(const data::AugmentOptions& base, uint64_t seed, int epoch) {
    data::AugmentOptions o = base;
    data::SampleRng r(seed, static_cast<uint64_t>(epoch) + 0x5eed);
    o.seed = r.next();
    return o;
}

double evaluate(model::Model& model, const data::OpenedData& d, int workers) {
    if (!d.test || d.test->count() == 0) return -1;
    const EpochSampler sequential(d.test->count(), 0, false);
    const std::vector<uint32_t> order = sequential.order(1);
    LoaderOptions o;
    o.batch_size = evaluation_batch_size(d.sample_shape.bytes());
    o.workers = std::clamp(workers, 0, 2);
    o.prefetch_depth = 2;
    o.output = d.sample_shape;
    o.augment = d.test_augment;
    o.on_error = data::ErrorPolicy::Skip;  // a bad test image must not end a finished epoch
    BatchLoader loader(*d.test, order, 0, o, nullptr, 0);
    int64_t correct = 0, seen = 0;
    while (auto b = loader.next()) {
        if (b->size > 0) correct += model.count_correct(b->x.data(), b->y.data(), b->size);
        seen += b->size;
        loader.recycle(std::move(b));
    }
    return seen > 0 ? static_cast<double>(correct) / static_cast<double>(seen) : -1;
}

void fill_loader_fields(EpochRecord& er, const LoaderStats& s, int64_t queue_depth_sum, int64_t iterations,
                        const data::Storage& storage) {
    er.loader_busy_ns = s.busy_ns();
    er.loader_idle_ns = s.idle_ns();
    er.load = s.parts;
    er.samples_skipped = s.skipped;
    er.skipped_samples = s.skipped_samples;
    er.workers = s.workers;
    er.mean_queue_depth =
        iterations > 0 ? static_cast<double>(queue_depth_sum) / static_cast<double>(iterations) : 0.0;
    er.storage = data::storage_profile(storage.profile()).id;
}

}  // namespace batchscope::engine
