#pragma once
// CUPTI opened at run time (dlopen), the first time the CUPTI collector is asked for: the plugin
// does not link libcupti, so it loads, serves the compute backend and times with CUDA events on
// a machine that has the driver and cuBLAS but no libcupti.so.13 on the library path.
//
// Where it looks (as the probe finds the plugin): $BATCHSCOPE_CUPTI_LIBRARY alone when it is set
// (a path); else, in order, the SONAME (LD_LIBRARY_PATH, the ld.so cache), beside the plugin, the
// CUPTI folder of the toolkit the plugin was built with, and the usual toolkit folders
// (/usr/local/cuda/lib64, /usr/local/cuda/extras/CUPTI/lib64).
// Host code only: no CUPTI call happens before a library is found, so its test needs no GPU.
#include <cupti.h>

#include <string>
#include <vector>

namespace batchscope::cuda {

// Every CUPTI function the plugin calls (X(member, symbol)): the members below and the dlsym
// lookups come from this one list.
#define BS_CUPTI_FUNCTIONS(X)                                                       \
    X(get_version, cuptiGetVersion)                                                 \
    X(get_result_string, cuptiGetResultString)                                      \
    X(get_callback_name, cuptiGetCallbackName)                                      \
    X(get_timestamp, cuptiGetTimestamp)                                             \
    X(activity_register_callbacks, cuptiActivityRegisterCallbacks)                  \
    X(activity_enable, cuptiActivityEnable)                                         \
    X(activity_disable, cuptiActivityDisable)                                       \
    X(activity_flush_period, cuptiActivityFlushPeriod)                              \
    X(activity_flush_all, cuptiActivityFlushAll)                                    \
    X(activity_get_next_record, cuptiActivityGetNextRecord)                         \
    X(activity_get_num_dropped_records, cuptiActivityGetNumDroppedRecords)          \
    X(activity_push_external_correlation_id, cuptiActivityPushExternalCorrelationId) \
    X(activity_pop_external_correlation_id, cuptiActivityPopExternalCorrelationId)

// Every CUPTI function the plugin calls, resolved with dlsym.
struct CuptiFunctions {
#define BS_CUPTI_MEMBER(member, symbol) decltype(&symbol) member = nullptr;
    BS_CUPTI_FUNCTIONS(BS_CUPTI_MEMBER)
#undef BS_CUPTI_MEMBER
    uint32_t version = 0;   // cuptiGetVersion of the library found
    std::string path;       // the candidate that loaded
};

// "libcupti.so.13": the SONAME of the CUPTI this plugin was built with.
std::string cupti_soname();

// The candidates in the order above (the environment and the plugin's folder read now).
std::vector<std::string> cupti_candidates();

// Tries each candidate (a bare name: the library search; with a '/': that file) until one loads
// with every function and a CUPTI major version equal to the headers'. On success fills `out`
// and returns true (the library stays loaded for the life of the process); otherwise `why` says
// what was tried and why each failed, starting with "<soname> not found" when none could be
// opened. Never throws.
bool load_cupti(const std::vector<std::string>& candidates, CuptiFunctions& out, std::string& why) noexcept;

// The process's CUPTI: loaded on the first call (thread-safe), from cupti_candidates(). Null with
// the reason in `why` when it cannot be loaded (the same answer on every later call).
const CuptiFunctions* cupti(std::string& why) noexcept;
// The process's CUPTI when an earlier cupti() call loaded it, else null; never loads.
const CuptiFunctions* cupti_if_loaded() noexcept;

}  // namespace batchscope::cuda
