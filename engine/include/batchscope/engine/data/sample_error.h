#pragma once
#include <string>

#include "batchscope/engine/dataset_error.h"

namespace batchscope::engine::data {

// One sample that cannot be used (unreadable, corrupt, unsupported, too large). The message
// starts with the file's path; file() gives the path alone. With the "skip" error policy the
// loader counts these and goes on; with "stop" the run fails with the message.
class SampleError : public DatasetError {
public:
    SampleError(const std::string& file, const std::string& what)
        : DatasetError(file + ": " + what), file_(file), reason_(what) {}
    const std::string& file() const noexcept { return file_; }
    const std::string& reason() const noexcept { return reason_; }  // the message without the file

private:
    std::string file_;
    std::string reason_;
};

}  // namespace batchscope::engine::data
