#include "batchscope/trace_import/import_session.h"

#include <cstdio>
#include <ctime>
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"
#include "batchscope/trace_import/import_advice.h"

namespace batchscope::trace_import {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

// "compute 17%, comm 27%, ..., host 55%" (the parts that are not zero).
std::string headline(const StepParts& s) {
    std::string out;
    auto part = [&](const char* name, int64_t ns) {
        if (ns <= 0 || s.wall_ns <= 0) return;
        char b[48];
        std::snprintf(b, sizeof b, "%s%s %.0f%%", out.empty() ? "" : ", ", name,
                      100.0 * static_cast<double>(ns) / static_cast<double>(s.wall_ns));
        out += b;
    };
    part("compute", s.compute_ns);
    part("comm", s.comm_ns);
    part("h2d", s.h2d_ns);
    part("d2h", s.d2h_ns);
    part("other gpu", s.other_gpu_ns);
    part("data wait", s.data_wait_ns);
    part("host", s.host_ns);
    return out;
}

}  // namespace

ImportedTrace load_trace(const std::string& path, const ReadOptions& opt, const ReadProgress& progress,
                         const std::atomic<bool>* cancel) {
    ParsedTrace p = read_trace(path, opt, progress, cancel);
    ImportedTrace t;
    t.analysis = analyse_trace(p);
    t.kept = keep_events(p, t.analysis, opt.keep_events);
    t.meta = std::move(p.meta);
    t.events = p.events;
    return t;
}

std::vector<std::string> collect_trace_files(const std::vector<std::string>& paths, std::vector<std::string>& skipped) {
    namespace fs = std::filesystem;
    auto is_trace = [](const std::string& n) {
        auto ends = [&](const std::string& e) { return n.size() >= e.size() && n.compare(n.size() - e.size(), e.size(), e) == 0; };
        return ends(".json") || ends(".json.gz");
    };
    std::vector<std::string> files;
    for (const auto& p : paths) {
        std::error_code ec;
        if (!fs::is_directory(p, ec)) {
            files.push_back(p);
            continue;
        }
        std::vector<std::string> here;
        for (const auto& e : fs::directory_iterator(p, ec)) {
            if (e.is_regular_file(ec) && is_trace(e.path().filename().string())) here.push_back(e.path().string());
            else skipped.push_back(e.path().string());
        }
        std::sort(here.begin(), here.end());
        files.insert(files.end(), here.begin(), here.end());
    }
    return files;
}

ImportBatch import_traces(const std::vector<std::string>& files, const std::string& db, const std::string& name,
                          int rank, const BatchProgress& progress, const std::atomic<bool>* cancel) {
    namespace fs = std::filesystem;
    ImportBatch b;
    std::map<std::pair<int, int>, std::string> seen;  // (world size, rank): the ranks of one job
    for (size_t i = 0; i < files.size(); ++i) {
        ReadOptions opt;
        opt.rank = files.size() == 1 ? rank : -1;
        b.traces.push_back(load_trace(files[i], opt, [&](uint64_t done, uint64_t total) {
            if (progress) progress(i, files.size(), done, total);
        }, cancel));
        const TraceMeta& m = b.traces.back().meta;
        const std::pair<int, int> key{m.world_size, m.rank};
        if (m.rank >= 0 && !seen.emplace(key, files[i]).second)
            throw ImportError(files[i] + ": rank " + std::to_string(m.rank) + " again (already in " + seen[key] +
                              "); import the ranks of one job once each");
    }
    if (cancel && cancel->load()) throw ImportCancelled();
    b.tag = unused_import_tag(db);
    for (const auto& t : b.traces) {
        std::string n = name.empty() ? fs::path(t.meta.file).filename().string() : name;
        if (!name.empty() && b.traces.size() > 1)
            n += " rank " + (t.meta.rank >= 0 ? std::to_string(t.meta.rank) : fs::path(t.meta.file).filename().string());
        b.ids.push_back(save_imported(db, t, n, b.tag));
    }
    return b;
}

std::string import_tag() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char b[40];
    std::strftime(b, sizeof b, "import-%Y%m%d-%H%M%S", &tm);
    return b;
}

std::string unused_import_tag(const std::string& db) {
    const std::string base = import_tag();
    store::SessionStore s(db);
    store::SessionFilter f;
    f.tag = base;
    for (int n = 2; !s.list(f).empty(); ++n) f.tag = base + "-" + std::to_string(n);
    return f.tag;
}

int64_t save_imported(const std::string& db, const ImportedTrace& t, const std::string& name, const std::string& tag) {
    const TraceMeta& m = t.meta;
    const TraceAnalysis& a = t.analysis;
    const std::string file = std::filesystem::path(m.file).filename().string();
    nlohmann::json cfg = {{"source_file", file},
                          {"source_bytes", m.file_bytes},
                          {"json_bytes", m.json_bytes},
                          {"trace_form", m.legacy_array ? "legacy array" : "kineto object"},
                          {"rank_source", m.rank_source},
                          {"steps", a.steps.size()},
                          {"window", a.whole_trace_window ? "whole trace (no ProfilerStep)" : "ProfilerStep"}};
    cfg["rank"] = m.rank >= 0 ? nlohmann::json(m.rank) : nlohmann::json(nullptr);
    cfg["world_size"] = m.world_size > 0 ? nlohmann::json(m.world_size) : nlohmann::json(nullptr);
    if (!m.dist_backend.empty()) cfg["dist_backend"] = m.dist_backend;
    if (!m.schema_version.empty()) cfg["pytorch_trace_schema"] = m.schema_version;
    if (m.truncated) {
        cfg["truncated_at_byte"] = m.truncated_at;
        cfg["steps_lost"] = a.steps_lost;
    }
    if (!t.kept.activities.empty()) {
        const KeptEvents& k = t.kept;
        cfg["events_kept"] = k.activities.size();
        cfg["events_kept_note"] =
            k.partial ? "the first " + std::to_string(k.activities.size()) + " events of step " +
                            std::to_string(k.first_step) + " (a step alone holds more than the cap)"
            : std::to_string(k.steps_kept) + " of " + std::to_string(a.steps.size()) + " steps (" +
                  std::to_string(k.first_step) + (k.steps_kept > 1 ? "–" + std::to_string(k.last_step) : "") +
                  "): the first whole steps whose events fit under the cap";
    }
    nlohmann::json env = {{"devices", join(m.devices, ", ")}, {"device_count", m.devices.size()}};

    store::SessionMeta meta;
    meta.name = name;
    meta.mode = "imported";
    meta.model = file;
    meta.backend = a.has_gpu ? (m.dist_backend.empty() ? "cuda" : "cuda+" + m.dist_backend) : "cpu";
    meta.config_json = cfg.dump();
    meta.env_json = env.dump();
    if (!tag.empty()) meta.tags.push_back(tag);

    store::SessionRecorder rec(db, meta);
    for (const StepParts& s : a.steps) {
        store::IterationRow r;
        r.iteration = s.number;
        r.start_ns = s.start_ns - a.total.start_ns;
        profiler::copy_parts(s, r);
        rec.add(r);
    }
    const ImportVerdict v = advise(a);
    store::VerdictRow vr;
    if (!a.steps.empty()) {
        vr.first_iteration = a.steps.front().number;
        vr.last_iteration = a.steps.back().number;
    }
    vr.verdict = v.verdict;
    vr.advice = v.verdict + ": " + headline(a.total) + (v.advice.empty() ? "" : "\n") + join(v.advice, "\n");
    rec.add(vr);
    std::vector<store::LaneNameRow> lanes;
    uint64_t lanes_dropped = 0;
    const std::vector<store::EventRow> rows = event_rows(t.kept, a, a.total.start_ns, lanes, lanes_dropped);
    rec.add_events(rows);
    for (const store::LaneNameRow& l : lanes) rec.set_lane_name(l.lane_kind, l.lane_index, l.name);
    if (!rows.empty()) {
        rec.set_summary("events_steps_kept", t.kept.steps_kept);
        rec.set_summary("events_left_out", static_cast<double>(t.kept.left_out + lanes_dropped));
    }
    std::string msg;
    if (m.truncated)
        msg = "the trace ends early at byte " + std::to_string(m.truncated_at) +
              (m.gzip_truncated ? " (the gzip data is cut off)" : "") + ": " + std::to_string(a.steps.size()) +
              " complete steps kept, " + std::to_string(a.steps_lost) + " lost";
    rec.finish("finished", msg);
    if (!rec.last_error().empty()) throw store::StoreError(db + ": " + rec.last_error());
    const int64_t id = rec.session_id();

    store::SessionStore s(db);
    s.set_summary(id, "trace_events", static_cast<double>(t.events));
    s.set_summary(id, "steps_lost", a.steps_lost);
    if (a.has_gpu) {
        s.set_summary(id, "host_wait_ns", static_cast<double>(a.total.host_wait_ns));
        s.set_summary(id, "comm_busy_ns", static_cast<double>(a.total.comm_busy_ns));
        s.set_summary(id, "comm_overlap_ns", static_cast<double>(a.total.comm_overlap_ns));
        s.set_summary(id, "h2d_copies", static_cast<double>(a.h2d_copies));
        s.set_summary(id, "h2d_pageable_copies", static_cast<double>(a.h2d_pageable));
    }
    return id;
}

}  // namespace batchscope::trace_import
