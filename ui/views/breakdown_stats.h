#pragma once
// Plain C++ view logic over a snapshot's recent iterations: where the time went, as shares of
// the window and as per-iteration columns for the stacked bar chart. No Qt in here.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "batchscope/engine/run_snapshot.h"

namespace batchscope::ui {

// The seven parts of an iteration, in the order they are stacked (bottom first) and listed.
// Comm (collectives) and OtherGpu (memsets, DtoD and peer copies) come only from imported PyTorch
// traces; on Batchscope's own runs they are zero and stay out of legends (part_shown_when_zero).
enum class Part { DataWait = 0, H2D, Compute, Comm, D2H, OtherGpu, Host };
inline constexpr int kPartCount = 7;
inline constexpr std::array<Part, kPartCount> kParts = {Part::DataWait, Part::H2D,      Part::Compute, Part::Comm,
                                                        Part::D2H,      Part::OtherGpu, Part::Host};

// "data wait", "h2d", "compute", "comm", "d2h", "other gpu", "host"
std::string_view part_name(Part p) noexcept;
int64_t part_ns(const profiler::Breakdown& b, Part p) noexcept;
// False for the parts only imported traces have (comm, other gpu): a legend lists them only
// when some value shown is not zero.
bool part_shown_when_zero(Part p) noexcept;
// Whether a legend lists `p` for these values of it (any chart's values of one part).
bool part_listed(Part p, std::span<const double> values) noexcept;

using PartShares = std::array<double, kPartCount>;  // fractions 0..1, indexed by Part

// Each part's share of the summed wall time of `recent`; all zero when there is nothing.
PartShares mean_shares(std::span<const engine::IterationRecord> recent);
// Each part's fraction of a summed breakdown (all zero when it is empty).
PartShares shares_of(const profiler::Breakdown& total);

// "data wait 41% · compute 52% · host 7%": stack order, parts that round to 0% left out.
std::string format_shares(const PartShares& shares);

// The last `n` iterations per part in milliseconds, oldest first, left-padded with zeros so
// that the newest iteration always sits in column n-1.
struct BreakdownColumns {
    std::array<std::vector<double>, kPartCount> ms;
    std::vector<int64_t> iteration;  // -1 for padding columns
    std::vector<int> batch_size;     // 0 for padding columns
    double max_total_ms = 0;         // tallest stack
};
BreakdownColumns last_columns(std::span<const engine::IterationRecord> recent, size_t n);

}  // namespace batchscope::ui
