#include "batchscope/trace_import/trace_reader.h"

#include <cctype>
#include <filesystem>

#include "byte_source.h"
#include "event_parse.h"
#include "json_splitter.h"

namespace batchscope::trace_import {
namespace {

class Handler : public detail::SplitHandler {
public:
    Handler(detail::EventParser& p, detail::ByteSource& src, const ReadProgress& progress)
        : p_(p), src_(src), progress_(progress) {}
    void member(std::string_view key, std::string_view raw, uint64_t) override { p_.member(key, raw); }
    void event(std::string_view raw, uint64_t offset) override { p_.event(raw, offset); }
    void progress() override {
        if (progress_) progress_(src_.file_offset(), src_.file_bytes());
    }

private:
    detail::EventParser& p_;
    detail::ByteSource& src_;
    const ReadProgress& progress_;
};

}  // namespace

bool ParsedTrace::has_gpu() const {
    for (const Activity& a : activities)
        if (a.kind <= ActivityKind::OtherGpu && a.on_device) return true;
    return false;
}

int rank_from_file_name(const std::string& path) {
    std::string name = std::filesystem::path(path).filename().string();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (size_t at = name.find("rank"); at != std::string::npos; at = name.find("rank", at + 1)) {
        size_t i = at + 4;
        if (i < name.size() && (name[i] == '-' || name[i] == '_')) ++i;
        size_t j = i;
        while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j])) && j - i < 9) ++j;
        if (j > i) return std::stoi(name.substr(i, j - i));
    }
    return -1;
}

ParsedTrace read_trace(const std::string& path, const ReadOptions& opt, const ReadProgress& progress,
                       const std::atomic<bool>* cancel) {
    ParsedTrace out;
    out.meta.file = path;
    try {
        detail::ByteSource src(path);
        out.meta.file_bytes = src.file_bytes();
        detail::EventParser parser(out);
        Handler h(parser, src, progress);
        const detail::SplitResult r = detail::split_trace(src, h, cancel);
        out.meta.legacy_array = r.legacy_array;
        out.meta.json_bytes = r.bytes;
        out.meta.truncated = r.truncated;
        out.meta.truncated_at = r.truncated_at;
        out.meta.gzip_truncated = src.gzip_truncated();
        if (progress) progress(src.file_bytes(), src.file_bytes());
    } catch (const ImportError& e) {
        throw ImportError(path + ": " + e.what());
    }
    if (out.meta.rank < 0) {
        if (const int r = rank_from_file_name(path); r >= 0) {
            out.meta.rank = r;
            out.meta.rank_source = "file name";
        } else if (opt.rank >= 0) {
            out.meta.rank = opt.rank;
            out.meta.rank_source = "--rank";
        } else {
            out.meta.rank_source = "unknown";
        }
    }
    return out;
}

}  // namespace batchscope::trace_import
