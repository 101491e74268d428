#include "cli_data_options.h"

#include <cstdio>
#include <string>
#include <vector>

#include "batchscope/engine/data/storage_profile.h"

namespace batchscope::cli {
namespace {

double sec(int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

void add_data_options(CLI::App& cmd, engine::TrainConfig& cfg) {
    using engine::DatasetKind;
    using engine::data::ErrorPolicy;
    std::vector<std::string> storage_ids;
    std::string storage_help = "Storage profile of the training reads (default page-cache):";
    for (const auto& p : engine::data::storage_profiles()) {
        storage_ids.emplace_back(p.id);
        storage_help += std::string("\n  ") + p.id + ": " + p.description;
    }
    cmd.add_option_function<std::string>(
           "--dataset",
           [&cfg](const std::string& s) {
               cfg.dataset = s == "image-folder" ? DatasetKind::ImageFolder : DatasetKind::FashionMnist;
           },
           "fashion-mnist (default), or image-folder (--data DIR: DIR/<class>/*.jpg|png, or DIR/train and "
           "DIR/test)")
        ->check(CLI::IsMember({"fashion-mnist", "image-folder"}));
    cmd.add_option_function<std::string>(
           "--storage", [&cfg](const std::string& s) { cfg.storage = *engine::data::parse_storage_kind(s); },
           storage_help)
        ->check(CLI::IsMember(storage_ids));
    cmd.add_option_function<std::string>(
           "--on-error", [&cfg](const std::string& s) { cfg.on_error = *engine::data::parse_error_policy(s); },
           "A corrupt or unreadable sample: stop (default: fail, naming the file) or skip (leave it out and "
           "count it)")
        ->check(CLI::IsMember({"stop", "skip"}));
    cmd.add_option("--cache-dir", cfg.cache_dir,
                   "Folder of the Fashion-MNIST sample cache (default: $XDG_CACHE_HOME/batchscope or "
                   "~/.cache/batchscope)");
    cmd.add_option("--image-size", cfg.image_size, "Resize (or crop) samples to N x N (0 = the images' own size)")
        ->capture_default_str();
    cmd.add_flag("--crop", cfg.random_crop, "Random resized crop (scale 0.08-1, ratio 3/4-4/3)");
    cmd.add_flag("--flip", cfg.flip, "Random horizontal flip");
    cmd.add_flag("--normalize", cfg.normalize, "Per-channel mean/std normalisation");
    cmd.add_flag("--drop-last", cfg.drop_last, "Leave out each epoch's last, partial batch");
    cmd.add_flag("--no-shuffle", [&cfg](int64_t) { cfg.shuffle = false; }, "Visit the samples in order");
    cmd.add_option("--rank", cfg.rank, "Train on shard RANK of --world-size")->capture_default_str();
    cmd.add_option("--world-size", cfg.world_size, "Number of data-parallel shards")->capture_default_str();
    cmd.add_flag("--uint8-batches", cfg.uint8_batches,
                 "Loader delivers 8-bit pixels; the conversion to float moves into the h2d step");
    cmd.add_flag("--pinned-memory,!--no-pinned-memory", cfg.pinned_memory,
                 "With --backend cuda: batches built in page-locked memory and uploaded from there, no copy on "
                 "the host (default on; off: pageable batches, copied into a page-locked slot first)");
    cmd.add_option("--max-image-pixels", cfg.max_image_pixels, "Refuse larger images (decompression bombs)")
        ->capture_default_str();
}

void print_data_header(const engine::RunSnapshot& s) {
    std::printf("data: storage %s, on error %s\n", s.storage.c_str(), s.error_policy.c_str());
}

void print_data_epoch(const engine::EpochRecord& e) {
    std::printf("  load parts (summed over samples): read %.3f s + decode %.3f s + augment %.3f s + collate %.3f s; "
                "workers idle %.3f s; mean queue depth %.1f; storage %s",
                sec(e.load.read_ns), sec(e.load.decode_ns), sec(e.load.augment_ns), sec(e.load.collate_ns),
                sec(e.loader_idle_ns), e.mean_queue_depth, e.storage.c_str());
    if (e.samples_skipped) std::printf("; %lld samples skipped", static_cast<long long>(e.samples_skipped));
    std::printf("\n");
    // The skipped samples by name (the loader keeps the first kNamedSkips), then how many more.
    for (const std::string& s : e.skipped_samples) std::printf("    skipped %s\n", s.c_str());
    const int64_t unnamed = e.samples_skipped - static_cast<int64_t>(e.skipped_samples.size());
    if (unnamed > 0) std::printf("    ... and %lld more skipped samples\n", static_cast<long long>(unnamed));
}

nlohmann::json data_epoch_json(const engine::EpochRecord& e) {
    nlohmann::json workers = nlohmann::json::array();
    for (const auto& w : e.workers)
        workers.push_back({{"busy_s", sec(w.busy_ns)}, {"idle_s", sec(w.idle_ns)}, {"batches", w.batches}});
    return {{"read_s", sec(e.load.read_ns)},
            {"decode_s", sec(e.load.decode_ns)},
            {"augment_s", sec(e.load.augment_ns)},
            {"collate_s", sec(e.load.collate_ns)},
            {"loader_idle_s", sec(e.loader_idle_ns)},
            {"mean_queue_depth", e.mean_queue_depth},
            {"samples_skipped", e.samples_skipped},
            {"skipped_samples", e.skipped_samples},  // the first kNamedSkips: "file: reason"
            {"storage", e.storage},
            {"workers", workers}};
}

}  // namespace batchscope::cli
