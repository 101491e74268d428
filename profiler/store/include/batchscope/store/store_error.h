#pragma once
#include <stdexcept>
#include <string>

namespace batchscope::store {

// A session database that cannot be used; the message names the file, what is wrong, and
// what to do. Nothing is written to a file that was refused.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace batchscope::store
