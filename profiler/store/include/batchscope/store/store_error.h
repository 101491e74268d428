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

// Opening read-only a session file of an older schema: it must be opened once for writing,
// which migrates it (the read-only commands then do that, as any other opening would).
class StoreNeedsMigration : public StoreError {
public:
    using StoreError::StoreError;
};

}  // namespace batchscope::store
