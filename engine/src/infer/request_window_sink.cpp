#include "batchscope/engine/infer/request_window_sink.h"

#include <algorithm>

namespace batchscope::engine::infer {

void RequestWindowSink::on_batch(std::span<const RequestRecord> served) {
    {
        std::lock_guard lock(m_);
        recs_.insert(recs_.end(), served.begin(), served.end());
        while (recs_.size() > keep_) recs_.pop_front();
        served_ += static_cast<int64_t>(served.size());
    }
    if (inner_) inner_->on_batch(served);
}

void RequestWindowSink::on_knob_change(const KnobChange& k) {
    if (inner_) inner_->on_knob_change(k);
}

void RequestWindowSink::on_end(RunState state, const std::string& message, const InferResult& result) {
    if (inner_) inner_->on_end(state, message, result);
}

std::vector<RequestRecord> RequestWindowSink::between(int64_t first, int64_t end) const {
    std::lock_guard lock(m_);
    std::vector<RequestRecord> out;
    for (const RequestRecord& r : recs_)
        if (r.id >= first && r.id < end) out.push_back(r);
    return out;
}

std::vector<RequestRecord> RequestWindowSink::answered_since(int64_t done_from_ns, int64_t first_id) const {
    std::lock_guard lock(m_);
    std::vector<RequestRecord> out;
    for (auto it = recs_.rbegin(); it != recs_.rend() && it->done_ns >= done_from_ns; ++it)
        if (it->id >= first_id) out.push_back(*it);
    std::reverse(out.begin(), out.end());
    return out;
}

int64_t RequestWindowSink::served() const {
    std::lock_guard lock(m_);
    return served_;
}

}  // namespace batchscope::engine::infer
