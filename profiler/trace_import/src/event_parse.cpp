#include "event_parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "batchscope/trace_import/trace_reader.h"

namespace batchscope::trace_import::detail {
namespace {

namespace od = simdjson::ondemand;

constexpr uint64_t kMaxExactUs = uint64_t{1} << 53;  // larger integers are not exact in JSON readers

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}
bool icontains(std::string_view s, std::string_view what) {
    return std::search(s.begin(), s.end(), what.begin(), what.end(),
                       [](char x, char y) { return (x | 0x20) == (y | 0x20); }) != s.end();
}
bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

enum class Cat { Host, Kernel, Memcpy, Memset, Runtime, GpuAnnotation, CpuOp };

Cat category(std::string_view cat) {
    if (iequals(cat, "kernel")) return Cat::Kernel;
    if (iequals(cat, "gpu_memcpy") || iequals(cat, "memcpy")) return Cat::Memcpy;
    if (iequals(cat, "gpu_memset") || iequals(cat, "memset")) return Cat::Memset;
    if (iequals(cat, "cuda_runtime") || iequals(cat, "cuda_driver") || iequals(cat, "runtime")) return Cat::Runtime;
    if (iequals(cat, "gpu_user_annotation")) return Cat::GpuAnnotation;
    if (iequals(cat, "cpu_op") || iequals(cat, "operator")) return Cat::CpuOp;
    return Cat::Host;
}

// Reads a value into `out` if it has the type asked for; leaves `out` alone if not.
template <class T>
void take(simdjson::simdjson_result<T>&& r, T& out) {
    T v{};
    if (std::move(r).get(v) == simdjson::SUCCESS) out = v;
}

int32_t lane_of(int64_t id) { return static_cast<int32_t>(id ^ (id >> 32)); }

}  // namespace

}  // namespace batchscope::trace_import::detail

namespace batchscope::trace_import {

std::string us_to_ns(std::string_view t, int64_t& ns) {
    using detail::kMaxExactUs;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' || t.back() == '\t'))
        t.remove_suffix(1);
    bool neg = false;
    if (!t.empty() && t[0] == '-') {
        neg = true;
        t.remove_prefix(1);
    }
    const size_t dot = t.find_first_of(".eE");
    const std::string_view whole = t.substr(0, dot);
    uint64_t us = 0;
    auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), us);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && us > kMaxExactUs))
        return "is an integer beyond 2^53 (" + std::string(whole) + "), larger than any real time stamp";
    if (ec != std::errc() || p != whole.data() + whole.size() || whole.empty()) return "is not a number";
    // A time with an exponent, exact enough through a double for times this small.
    auto via_double = [&]() -> std::string {
        double d = 0;
        auto [q, ec2] = std::from_chars(t.data(), t.data() + t.size(), d);
        if (ec2 != std::errc() || q != t.data() + t.size() || !std::isfinite(d)) return "is not a number";
        if (std::fabs(d) > static_cast<double>(kMaxExactUs)) return "is beyond 2^53 microseconds";
        ns = static_cast<int64_t>(std::llround((neg ? -d : d) * 1000.0));
        return {};
    };
    int64_t frac_ns = 0;
    if (dot != std::string_view::npos) {
        if (t[dot] != '.') return via_double();  // an exponent
        std::string_view f = t.substr(dot + 1);
        if (f.empty()) return "is not a number";
        int digits = 0;
        for (char c : f) {
            if (c < '0' || c > '9') {
                if (c == 'e' || c == 'E') return via_double();  // a fraction with an exponent
                return "is not a number";
            }
            if (digits < 3) frac_ns = frac_ns * 10 + (c - '0');
            else if (digits == 3 && c >= '5') ++frac_ns;  // round the fourth decimal
            ++digits;
        }
        for (; digits < 3; ++digits) frac_ns *= 10;
    }
    const int64_t v = static_cast<int64_t>(us) * 1000 + frac_ns;
    ns = neg ? -v : v;
    return {};
}

}  // namespace batchscope::trace_import

namespace batchscope::trace_import::detail {

void EventParser::event(std::string_view raw, uint64_t offset) {
    const auto fail = [&](const std::string& what) {
        throw ImportError("the event at byte " + std::to_string(offset) + " " + what);
    };
    std::string_view ph, cat, name, ts_raw, dur_raw;
    bool has_ts = false, has_dur = false, has_cat = false;
    uint64_t corr = 0;
    int64_t bytes = 0, tid = 0, stream = -1;
    try {
        od::document doc = parser_.iterate(raw.data(), raw.size(), raw.size() + simdjson::SIMDJSON_PADDING);
        od::object obj = doc.get_object();
        for (auto field : obj) {
            const std::string_view key = field.unescaped_key();
            od::value v = field.value();
            if (key == "ph") {
                ph = v.get_string();
            } else if (key == "cat") {
                cat = v.get_string();
                has_cat = true;
            } else if (key == "name") {
                if (v.type() == od::json_type::string) name = v.get_string();
            } else if (key == "ts" || key == "dur") {
                if (v.type() != od::json_type::number)
                    fail("has a \"" + std::string(key) + "\" that is not a number; fix or remove the event");
                (key == "ts" ? ts_raw : dur_raw) = v.raw_json_token();
                (key == "ts" ? has_ts : has_dur) = true;
            } else if (key == "tid") {
                if (v.type() == od::json_type::number) {
                    int64_t t = 0;
                    if (!v.get_int64().get(t)) tid = t;
                } else if (v.type() == od::json_type::string) {
                    const std::string_view s = v.get_string();
                    tid = static_cast<int64_t>(std::hash<std::string_view>{}(s) & 0x7fffffff);
                }
            } else if (key == "args" && v.type() == od::json_type::object) {
                for (auto a : v.get_object()) {
                    const std::string_view k = a.unescaped_key();
                    od::value av = a.value();
                    if (av.type() != od::json_type::number) continue;
                    if (k == "correlation") take(av.get_uint64(), corr);
                    else if (k == "bytes") take(av.get_int64(), bytes);
                    else if (k == "stream") take(av.get_int64(), stream);
                }
            }
        }
    } catch (const simdjson::simdjson_error& e) {
        fail(std::string("is not valid JSON (") + e.what() + ")");
    }
    ++out_.events;
    if (ph.empty()) fail("has no \"ph\" (phase) field; it is not a trace event");
    if (ph != "X") {
        if (ph == "s" || ph == "f" || ph == "t") ++out_.flows;
        return;
    }
    if (!has_ts) fail("(\"" + std::string(name) + "\") has no \"ts\"; complete events need a start time");
    if (!has_dur) fail("(\"" + std::string(name) + "\") has no \"dur\"; complete events need a duration");
    int64_t ts = 0, dur = 0;
    if (std::string e = us_to_ns(ts_raw, ts); !e.empty()) fail("has a \"ts\" that " + e);
    if (std::string e = us_to_ns(dur_raw, dur); !e.empty()) fail("has a \"dur\" that " + e);
    if (dur < 0) fail("(\"" + std::string(name) + "\") has a negative duration (" + std::string(dur_raw) + " us)");
    const int64_t end = ts + dur;
    if (!any_x_ || ts < out_.first_ns) out_.first_ns = ts;
    if (!any_x_ || end > out_.last_ns) out_.last_ns = end;
    any_x_ = true;
    out_.meta.cut_time_ns = ts;

    const Cat c = has_cat ? category(cat) : Cat::Host;
    Activity a;
    a.start_ns = ts;
    a.end_ns = end;
    a.correlation = corr;
    a.lane = lane_of(stream >= 0 ? stream : tid);
    a.on_device = c == Cat::Kernel || stream >= 0 || corr != 0;
    switch (c) {
    case Cat::Kernel:
        a.kind = icontains(name, "nccl") ? ActivityKind::Comm : ActivityKind::Compute;
        a.record = kKernelRecord;
        a.name = intern(name);
        break;
    case Cat::Memcpy:
        a.record = kMemcpyRecord;
        a.name = intern(name);
        a.kind = name.find("HtoD") != std::string_view::npos   ? ActivityKind::H2D
                 : name.find("DtoH") != std::string_view::npos ? ActivityKind::D2H
                                                               : ActivityKind::OtherGpu;
        a.value = bytes;
        a.pinned = name.find("Pinned") != std::string_view::npos;
        break;
    case Cat::Memset:
        a.record = kMemsetRecord;
        a.name = intern(name);
        a.kind = ActivityKind::OtherGpu;
        a.value = bytes;
        break;
    case Cat::Runtime:
        if (corr == 0) return;
        a.kind = ActivityKind::Launch;
        break;
    case Cat::GpuAnnotation:
        return;
    case Cat::CpuOp:
    case Cat::Host:
        if (starts_with(name, "ProfilerStep#")) {
            a.kind = ActivityKind::Step;
            int64_t n = 0;
            const std::string_view num = name.substr(13);
            auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
            a.value = ec == std::errc() ? n : -1;
            (void)p;
        } else if (starts_with(name, "enumerate(DataLoader)#") && ends_with(name, "__next__")) {
            a.kind = ActivityKind::DataWait;
        } else {
            if (c == Cat::CpuOp) ++out_.cpu_ops;
            return;
        }
        break;
    }
    out_.activities.push_back(a);
}

uint32_t EventParser::intern(std::string_view name) {
    if (name.empty()) return 0;
    if (const auto it = names_.find(name); it != names_.end()) return it->second;
    const auto id = static_cast<uint32_t>(out_.names.size());
    out_.names.emplace_back(name);
    names_.emplace(std::string(name), id);
    return id;
}

void EventParser::member(std::string_view key, std::string_view raw) {
    if (key != "distributedInfo" && key != "deviceProperties" && key != "schemaVersion" &&
        key != "baseTimeNanoseconds")
        return;
    const simdjson::padded_string text(raw);
    try {
        od::document doc = parser_.iterate(text);
        TraceMeta& m = out_.meta;
        if (key == "schemaVersion") {
            std::string_view tok = doc.raw_json_token();
            while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n')) tok.remove_suffix(1);
            if (!tok.empty() && tok.front() == '"') tok = tok.substr(1, tok.size() - 2);
            m.schema_version = std::string(tok);
        } else if (key == "baseTimeNanoseconds") {
            uint64_t b = 0;
            if (!doc.get_uint64().get(b) && b <= static_cast<uint64_t>(INT64_MAX)) m.base_time_ns = static_cast<int64_t>(b);
        } else if (key == "distributedInfo") {
            for (auto f : doc.get_object()) {
                const std::string_view k = f.unescaped_key();
                od::value v = f.value();
                int64_t n = 0;
                if (k == "rank" && !v.get_int64().get(n) && n >= 0 && n < (1 << 30)) out_.meta.rank = static_cast<int>(n);
                else if (k == "world_size" && !v.get_int64().get(n) && n > 0 && n < (1 << 30))
                    m.world_size = static_cast<int>(n);
                else if (k == "backend" && v.type() == od::json_type::string)
                    m.dist_backend = std::string(std::string_view(v.get_string()));
            }
            if (m.rank >= 0) m.rank_source = "distributedInfo";
        } else if (key == "deviceProperties") {
            for (auto d : doc.get_array()) {
                od::object o = d.get_object();
                for (auto f : o) {
                    const std::string_view k = f.unescaped_key();
                    if (k != "name") continue;
                    od::value v = f.value();
                    if (v.type() == od::json_type::string) m.devices.emplace_back(std::string_view(v.get_string()));
                }
            }
        }
    } catch (const simdjson::simdjson_error& e) {
        throw ImportError("has a \"" + std::string(key) + "\" that cannot be read (" + e.what() + ")");
    }
}

}  // namespace batchscope::trace_import::detail
