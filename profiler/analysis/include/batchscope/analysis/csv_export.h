#pragma once
// CSV of a run or of a stored session: one format for `train --csv`, `sessions export --format
// csv` and the dashboard's export. A header row first; times in milliseconds with fractions
// (microsecond resolution), each time column named with its unit (`wall_ms`, `wall_s`); decimal
// points whatever the locale.
#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string_view>
#include <vector>

#include "batchscope/profiler/iteration_sample.h"
#include "batchscope/store/records.h"
#include "batchscope/store/session_store.h"

namespace batchscope::analysis {

// iteration,epoch,batch_size,start_ms,wall_ms,data_wait_ms,h2d_ms,compute_ms,comm_ms,d2h_ms,other_gpu_ms,host_ms,loss,queue_depth
// start_ms counts from the first row's start; comm_ms and other_gpu_ms (collectives, other device
// work) are zero except for imported traces.
void write_iteration_csv(std::ostream& out, std::span<const profiler::IterationSample> iterations);

// request_id,batch_size,scheduled_ms,issued_ms,queue_ms,h2d_ms,compute_ms,d2h_ms,latency_ms,correct
// scheduled_ms and issued_ms count from the first row's scheduled arrival; correct is 1 or 0, or
// empty when the answer was not checked.
void write_request_csv(std::ostream& out, std::span<const store::RequestRow> requests);

// epoch,train_loss,test_accuracy,samples_per_s,steady_samples_per_s,wall_s,samples,iterations
// test_accuracy (a fraction) is empty for an epoch that was not evaluated.
void write_epoch_csv(std::ostream& out, std::span<const store::EpochRow> epochs);

// Stored iterations in the profiler's terms (for the exports and the verdict).
std::vector<profiler::IterationSample> iteration_samples(const std::vector<store::IterationRow>& rows);

// Which rows of a session: Auto is requests for an inference session, iterations otherwise.
enum class CsvTable { Auto, Iterations, Epochs, Requests };
std::optional<CsvTable> csv_table_from_name(std::string_view name);  // "auto", "iterations", "epochs", "requests"

// One table of session `id`. Throws store::StoreError when there is no such session.
void write_session_csv(store::SessionStore& st, int64_t id, CsvTable table, std::ostream& out);

}  // namespace batchscope::analysis
