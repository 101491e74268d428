#pragma once
// What a training run is asked to do, and the limits of each knob.
#include <cstdint>
#include <string>

#include "batchscope/engine/data/sample_source.h"
#include "batchscope/knobs/knob.h"
#include "batchscope/engine/data/storage_profile.h"

namespace batchscope::engine {

// The live knobs' ranges come from the knob registry (knobs/knob.h).
struct KnobLimits {
    using Knob = knobs::Knob;
    static constexpr int kMinBatch = knobs::min_int(Knob::BatchSize), kMaxBatch = knobs::max_int(Knob::BatchSize);
    static constexpr int kMinPrefetch = knobs::min_int(Knob::PrefetchDepth), kMaxPrefetch = knobs::max_int(Knob::PrefetchDepth);
    static constexpr int kMinWorkers = knobs::min_int(Knob::Workers), kMaxWorkers = knobs::max_int(Knob::Workers);
    static constexpr int kMinEpochs = 1, kMaxEpochs = 1000;
    static constexpr int kMinThreads = knobs::min_int(Knob::Threads), kMaxThreads = knobs::max_int(Knob::Threads);
    static constexpr int kMinImageSize = 8, kMaxImageSize = 1024;
    static constexpr int kMaxWorld = 1024;
};

enum class DatasetKind : uint8_t {
    FashionMnist = 0,  // the IDX files (data_dir, or Debian's package), through the sample cache
    ImageFolder,       // data_dir/<class>/<image>, or data_dir/train/<class>/... and test/ (or val/)
};
const char* to_string(DatasetKind k) noexcept;  // "fashion-mnist", "image-folder"

struct TrainConfig {
    std::string data_dir;        // empty: find Debian's dataset-fashion-mnist
    int batch_size = 128;
    int prefetch_depth = 2;      // batches the loader may hold ready ahead of the trainer
    int workers = 2;             // loader threads; 0 = load in the training thread
    int epochs = 1;
    uint64_t seed = 0;
    float learning_rate = 0.05f;
    float momentum = 0.9f;
    int threads = 1;             // BLAS threads for compute
    int64_t train_limit = 0;     // use only the first N training samples (0 = all)
    int64_t test_limit = 0;      // evaluate on the first N test samples (0 = all)
    bool trace = true;           // record host trace events
    std::string checkpoint_path; // the trained model is written here at the end of the run (empty: not saved)

    // Model and optimizer (engine/model/model_spec.h has the syntax).
    std::string model = "mlp:256,128";  // logreg, svm, mlp:W1,W2..[:relu|gelu][:dropout=P], cnn:C1,C2..[:fc=F]...
    std::string optimizer = "sgd";      // sgd (with `momentum`) or adam
    std::string backend = "cpu";        // cpu, or cuda (the GPU plugin; refused with the reason when unusable)
    bool tf32 = false;                  // cuda: cuBLAS may use TF32 tensor cores
    bool cupti = true;                  // cuda: time GPU work with CUPTI when it starts (false: CUDA events)
    std::string lr_schedule = "none";   // none, step:N[:GAMMA], cosine (per epoch)
    float weight_decay = 0.f;           // L2, added to the gradient
    // Linear scaling rule (Goyal et al.): the rate is learning_rate * batch / batch_size, so a live
    // batch-size change scales it too. Off: the rate does not depend on the batch size.
    bool scale_lr_with_batch = false;

    // Data pipeline.
    DatasetKind dataset = DatasetKind::FashionMnist;
    std::string cache_dir;       // Fashion-MNIST sample cache; empty: $XDG_CACHE_HOME/batchscope or ~/.cache/batchscope
    data::StorageKind storage = data::StorageKind::PageCache;  // live: TrainingRun::set_storage_profile
    int image_size = 0;          // image folders: samples resized/cropped to N x N (0 = the first image's size)
    bool random_crop = false;    // random resized crop (scale 0.08-1, ratio 3/4-4/3) to the sample size
    bool flip = false;           // random horizontal flip
    bool normalize = false;      // per-channel mean/std (Fashion-MNIST 0.286/0.353; folders ImageNet's)
    data::ErrorPolicy on_error = data::ErrorPolicy::Stop;  // a corrupt sample: fail, or skip and count
    bool drop_last = false;      // leave out each epoch's last, partial batch
    bool shuffle = true;         // seeded shuffle per epoch; false: sequential order
    int rank = 0;                // train on shard `rank` of `world_size` (as one of N data-parallel ranks)
    int world_size = 1;
    int64_t max_image_pixels = 64'000'000;  // larger images are refused from their header
    bool uint8_batches = false;  // loader delivers 8-bit pixels; the float conversion moves into h2d
    // GPU: the loader builds its batches in page-locked memory, uploaded from there with no copy
    // on the host; off, in pageable memory, copied into the model's page-locked slots first.
    bool pinned_memory = true;
    // CPU: the model's forward pass is timed at the batch size and at four times it before the
    // run and after each batch-size change (model/compute_probe.h; at most ~50 ms each), for the
    // verdict's batch-size advice. False: not timed (the advice falls back to its lower bound).
    bool compute_probe = true;
};

// Empty when valid, else a message that names the bad field, its value and the allowed range.
std::string validate(const TrainConfig& c);

// Empty when `value` is in range for the live training knob `knob`, else a message saying what
// is allowed (a knob that is not one of them is refused too).
std::string validate_knob(knobs::Knob knob, int64_t value);
// The same for a knob named in text from outside (a preset file, a command line, saved options).
std::string validate_knob(const std::string& name, int64_t value);

}  // namespace batchscope::engine
