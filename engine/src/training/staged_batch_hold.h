#pragma once
// Internal, for one test: the training loop holds a pipelined batch's buffer (the loader's,
// page-locked on a GPU) until the step that trains it has finished, because its upload reads the
// buffer until then. Setting this makes the loop give the buffer back as soon as the batch is
// staged: the bug the hold prevents, which the strict fake plugin must catch
// (TrainingRunEmulated.AStagedBatchGivenBackBeforeItsStepFinishedIsCaught).
#include <atomic>

namespace batchscope::engine::testing_hooks {

inline std::atomic<bool> release_staged_batches_early{false};

}  // namespace batchscope::engine::testing_hooks
