#include "batchscope/engine/data/open_data.h"

#include <filesystem>

#include "batchscope/engine/data/fashion_mnist_source.h"
#include "batchscope/engine/data/image_folder_source.h"

namespace batchscope::engine::data {
namespace {

constexpr float kFashionMean = 0.2860f, kFashionStd = 0.3530f;
constexpr std::array<float, 3> kImageNetMean{0.485f, 0.456f, 0.406f}, kImageNetStd{0.229f, 0.224f, 0.225f};

std::string first_dir(const std::string& root, std::initializer_list<const char*> names) {
    std::error_code ec;
    for (const char* n : names)
        if (std::filesystem::is_directory(std::filesystem::path(root) / n, ec)) return root + "/" + n;
    return {};
}

}  // namespace

OpenedData open_training_data(const TrainConfig& c) {
    OpenedData d;
    d.storage = std::make_shared<Storage>(c.storage);
    auto eval_storage = std::make_shared<Storage>(StorageKind::PageCache);
    if (c.dataset == DatasetKind::FashionMnist) {
        FashionMnistOptions o{c.data_dir, "train", c.cache_dir, c.train_limit};
        auto train = std::make_unique<FashionMnistSource>(o, d.storage);
        o.dir = train->dir();
        o.split = "t10k";
        o.limit = c.test_limit;
        d.test = std::make_unique<FashionMnistSource>(o, eval_storage);
        d.description = "Fashion-MNIST (" + train->dir() + ")";
        d.train = std::move(train);
        d.train_augment.mean = {kFashionMean, kFashionMean, kFashionMean};
        d.train_augment.stddev = {kFashionStd, kFashionStd, kFashionStd};
    } else {
        ImageFolderOptions o;
        o.limits.max_pixels = c.max_image_pixels;
        const bool split = has_train_split(c.data_dir);
        o.root = split ? c.data_dir + "/train" : c.data_dir;
        o.limit = c.train_limit;
        auto train = std::make_unique<ImageFolderSource>(o, d.storage);
        if (split)
            if (std::string t = first_dir(c.data_dir, {"test", "val"}); !t.empty()) {
                o.root = t;
                o.limit = c.test_limit;
                o.channels = train->shape().channels;
                for (int k = 0; k < train->classes(); ++k) o.class_names.push_back(train->class_name(k));
                d.test = std::make_unique<ImageFolderSource>(o, eval_storage);  // classes matched by name
            }
        d.description = "image folder " + c.data_dir;
        d.train = std::move(train);
        d.train_augment.mean = kImageNetMean;
        d.train_augment.stddev = kImageNetStd;
    }
    d.sample_shape = d.train->shape();
    if (c.image_size > 0) d.sample_shape.height = d.sample_shape.width = c.image_size;
    d.train_augment.normalize = c.normalize;
    d.test_augment = d.train_augment;
    d.train_augment.random_resized_crop = c.random_crop;
    d.train_augment.horizontal_flip = c.flip;
    return d;
}

}  // namespace batchscope::engine::data
