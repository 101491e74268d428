#pragma once
#include <stdexcept>
#include <string>

namespace batchscope::engine {

// A dataset that cannot be used; the message names the file and what is wrong with it.
class DatasetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace batchscope::engine
