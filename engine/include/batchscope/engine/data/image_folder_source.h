#pragma once
// An image folder in the usual convention: one sub-folder per class (sorted by name: the label
// is the index), one .jpg/.jpeg/.png file per sample (sorted by name; other files and hidden
// ones are ignored). Samples are read whole through the storage profile and decoded to the
// channels of the first image (grey stays grey, anything in colour gives RGB) unless told.
#include <memory>
#include <string>
#include <vector>

#include "batchscope/engine/data/image_codec.h"
#include "batchscope/engine/data/sample_source.h"
#include "batchscope/engine/data/storage.h"

namespace batchscope::engine::data {

struct ImageFolderOptions {
    std::string root;
    int channels = 0;   // 1 or 3; 0: from the first readable image
    DecodeLimits limits;
    int64_t limit = 0;  // use N samples spread evenly over the folder (all classes); 0 = all
    // The classes to label by (a test set: its training set's class names): each class folder is
    // labelled by its name's index here, and one not here is refused. Empty: the folder's own.
    std::vector<std::string> class_names{};
};

class ImageFolderSource final : public SampleSource {
public:
    // Scans the folder. Throws DatasetError for a missing folder, no class folders, an empty
    // class folder, a class folder not among `class_names`, or when none of the first images
    // can be read (naming the file).
    ImageFolderSource(const ImageFolderOptions& o, std::shared_ptr<Storage> storage);

    std::string describe() const override;
    int64_t count() const noexcept override { return static_cast<int64_t>(names_.size()); }
    ImageShape shape() const noexcept override { return shape_; }
    int classes() const noexcept override { return static_cast<int>(class_names_.size()); }
    int label(int64_t i) const noexcept override { return labels_[static_cast<size_t>(i)]; }
    std::string class_name(int c) const override { return class_names_[static_cast<size_t>(c)]; }
    void read(int64_t i, SampleBuffers& b) const override;
    void decode(int64_t i, SampleBuffers& b) const override;

    std::string path(int64_t i) const;
    const std::string& root() const noexcept { return root_; }

private:
    std::shared_ptr<Storage> storage_;
    std::string root_;
    DecodeLimits limits_;
    ImageShape shape_;
    std::vector<std::string> class_names_;
    std::vector<FileHandle> class_dirs_;  // open class folders: files are opened relative to them
    std::vector<std::string> names_;       // file names within their class folder
    std::vector<uint16_t> labels_;
};

// True when `dir` looks like a split image folder: it holds a train/ folder.
bool has_train_split(const std::string& dir);

}  // namespace batchscope::engine::data
