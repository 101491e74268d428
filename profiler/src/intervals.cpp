#include "intervals.h"

#include <algorithm>

namespace batchscope::profiler::detail {

IntervalSet normalize(std::vector<Interval> raw, int64_t lo, int64_t hi) {
    IntervalSet out;
    for (auto& [s, e] : raw) {
        s = std::max(s, lo);
        e = std::min(e, hi);
    }
    std::erase_if(raw, [](const Interval& i) { return i.second <= i.first; });
    std::sort(raw.begin(), raw.end());
    for (const Interval& i : raw) {
        if (!out.empty() && i.first <= out.back().second) out.back().second = std::max(out.back().second, i.second);
        else out.push_back(i);
    }
    return out;
}

IntervalSet intersect(const IntervalSet& a, const IntervalSet& b) {
    IntervalSet out;
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const int64_t s = std::max(a[i].first, b[j].first);
        const int64_t e = std::min(a[i].second, b[j].second);
        if (s < e) out.emplace_back(s, e);
        if (a[i].second < b[j].second) ++i;
        else ++j;
    }
    return out;
}

IntervalSet subtract(const IntervalSet& from, const IntervalSet& what) {
    IntervalSet out;
    size_t j = 0;
    for (Interval cur : from) {
        while (j < what.size() && what[j].second <= cur.first) ++j;
        size_t k = j;
        while (k < what.size() && what[k].first < cur.second) {
            if (what[k].first > cur.first) out.emplace_back(cur.first, what[k].first);
            cur.first = std::max(cur.first, what[k].second);
            if (cur.first >= cur.second) break;
            ++k;
        }
        if (cur.first < cur.second) out.push_back(cur);
    }
    return out;
}

int64_t measure(const IntervalSet& s) noexcept {
    int64_t n = 0;
    for (const Interval& i : s) n += i.second - i.first;
    return n;
}

}  // namespace batchscope::profiler::detail
