#include "batchscope/engine/data/image_folder_source.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "batchscope/profiler/clock.h"

namespace fs = std::filesystem;

namespace batchscope::engine::data {
namespace {

constexpr int kProbeFiles = 16;  // images tried for the shape before giving up

bool is_image_name(const std::string& name) {
    if (name.empty() || name[0] == '.') return false;
    const auto dot = name.rfind('.');
    if (dot == std::string::npos) return false;
    std::string ext = name.substr(dot + 1);
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext == "jpg" || ext == "jpeg" || ext == "png";
}

std::vector<std::string> sorted_entries(const fs::path& dir, bool want_dirs) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        std::error_code e2;
        if (want_dirs ? it->is_directory(e2) : (it->is_regular_file(e2) && is_image_name(name))) out.push_back(name);
    }
    if (ec) throw DatasetError(dir.string() + ": cannot list the folder: " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

bool has_train_split(const std::string& dir) {
    std::error_code ec;
    return fs::is_directory(fs::path(dir) / "train", ec);
}

ImageFolderSource::ImageFolderSource(const ImageFolderOptions& o, std::shared_ptr<Storage> storage)
    : storage_(storage ? std::move(storage) : std::make_shared<Storage>()), root_(o.root), limits_(o.limits) {
    std::error_code ec;
    if (root_.empty()) throw DatasetError("an image-folder dataset needs a folder (--data DIR)");
    if (!fs::is_directory(root_, ec))
        throw DatasetError(root_ + ": no such folder (expected one sub-folder of images per class)");
    class_names_ = sorted_entries(root_, true);
    if (class_names_.empty())
        throw DatasetError(root_ + ": no class folders (expected one sub-folder of .jpg/.png images per class)");
    if (class_names_.size() > 65535) throw DatasetError(root_ + ": more than 65535 class folders");
    // Each folder's label: its index among this folder's classes, or among the given ones (a test
    // set labelled as its training set: matched by name, never by position).
    const std::vector<std::string> folders = std::move(class_names_);
    class_names_ = o.class_names.empty() ? folders : o.class_names;
    std::vector<uint16_t> folder_label(folders.size());
    for (size_t c = 0; c < folders.size(); ++c) {
        const auto it = std::find(class_names_.begin(), class_names_.end(), folders[c]);
        if (it == class_names_.end()) {
            std::string known;
            for (size_t k = 0; k < class_names_.size() && k < 8; ++k) known += (k ? ", " : "") + class_names_[k];
            if (class_names_.size() > 8) known += ", ...";
            throw DatasetError((fs::path(root_) / folders[c]).string() +
                               ": a class the training set does not have (test classes are matched to training "
                               "classes by folder name; the training classes are " + known + ")");
        }
        folder_label[c] = static_cast<uint16_t>(it - class_names_.begin());
    }
    class_dirs_.resize(class_names_.size());
    std::vector<std::string> all;
    std::vector<uint16_t> all_labels;
    for (size_t c = 0; c < folders.size(); ++c) {
        const fs::path cdir = fs::path(root_) / folders[c];
        auto files = sorted_entries(cdir, false);
        if (files.empty())
            throw DatasetError(cdir.string() + ": empty class folder (no .jpg, .jpeg or .png files)");
        class_dirs_[folder_label[c]] = open_folder(cdir.string());
        for (auto& f : files) {
            all.push_back(std::move(f));
            all_labels.push_back(folder_label[c]);
        }
    }
    const auto n = static_cast<int64_t>(all.size());
    if (o.limit > 0 && o.limit < n) {
        for (int64_t k = 0; k < o.limit; ++k) {
            const auto i = static_cast<size_t>(k * n / o.limit);
            names_.push_back(std::move(all[i]));
            labels_.push_back(all_labels[i]);
        }
    } else {
        names_ = std::move(all);
        labels_ = std::move(all_labels);
    }

    std::string first_error;
    SampleBuffers b;
    for (size_t i = 0; i < names_.size() && i < kProbeFiles; ++i) {
        try {
            read(static_cast<int64_t>(i), b);
        } catch (const SampleError& e) {
            if (first_error.empty()) first_error = e.what();
            continue;
        }
        ImageShape s;
        if (auto e = probe_image(b.encoded, s); !e.empty()) {
            if (first_error.empty()) first_error = path(static_cast<int64_t>(i)) + ": " + e;
            continue;
        }
        shape_ = s;
        if (o.channels == 1 || o.channels == 3) shape_.channels = o.channels;
        return;
    }
    throw DatasetError("cannot read the first images of " + root_ + ": " + first_error);
}

std::string ImageFolderSource::describe() const {
    return "image folder " + root_ + ", " + std::to_string(names_.size()) + " images in " +
           std::to_string(class_names_.size()) + " classes, " + std::to_string(shape_.width) + "x" +
           std::to_string(shape_.height) + (shape_.channels == 1 ? " grey" : " RGB");
}

std::string ImageFolderSource::path(int64_t i) const {
    const auto k = static_cast<size_t>(i);
    return root_ + "/" + class_names_[labels_[k]] + "/" + names_[k];
}

void ImageFolderSource::read(int64_t i, SampleBuffers& b) const {
    const auto k = static_cast<size_t>(i);
    const bool emulated = storage_->emulated();
    const int64_t t0 = emulated ? profiler::now_ns() : 0;
    try {
        read_whole_file_at(class_dirs_[labels_[k]].get(), names_[k].c_str(), storage_->bypass_cache(),
                           limits_.max_file_bytes, b.encoded, b.direct);
    } catch (const SampleError& e) {
        throw SampleError(path(i), e.reason());
    }
    if (emulated) storage_->charge(t0, static_cast<uint64_t>(i), 0, b.encoded.size(), b.cancel);
}

void ImageFolderSource::decode(int64_t i, SampleBuffers& b) const {
    if (auto e = decode_image(b.encoded, shape_.channels, limits_, b.image); !e.empty())
        throw SampleError(path(i), e);
}

}  // namespace batchscope::engine::data
