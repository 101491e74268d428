#include "json_splitter.h"

#include <array>
#include <cstring>

#include "batchscope/trace_import/trace_model.h"
#include "byte_source.h"

namespace batchscope::trace_import::detail {
namespace {

constexpr size_t kChunk = 4u << 20;               // bytes read at a time
constexpr size_t kMaxValue = 512u << 20;          // one event or top-level member larger than this is refused
constexpr size_t kProgressEvery = 8u << 20;       // bytes between progress() calls

struct Truncated {};

// The bytes that matter outside strings when skipping over a value.
constexpr auto kStructural = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : {'"', '{', '}', '[', ']'}) t[c] = true;
    return t;
}();  // the text ended where more was expected

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::string shown(char c) {
    if (c >= 0x20 && c < 0x7f) return std::string("'") + c + "'";
    char b[8];
    std::snprintf(b, sizeof b, "0x%02x", static_cast<unsigned char>(c));
    return b;
}

class Splitter {
public:
    Splitter(ByteSource& src, SplitHandler& h, const std::atomic<bool>* cancel) : src_(src), h_(h), cancel_(cancel) {
        buf_.resize(kChunk + kPadding);
    }

    SplitResult run() {
        SplitResult r;
        try {
            int c = peek_nonws();
            if (c < 0) throw ImportError("the file is empty (no JSON text)");
            if (c == '[') {
                r.legacy_array = true;
                ++pos_;
                r.saw_events = true;
                events();
            } else if (c == '{') {
                ++pos_;
                object(r);
            } else if (c == '"' || c == '-' || (c >= '0' && c <= '9') || literal()) {
                throw ImportError("is JSON but not a trace: a trace is an object with \"traceEvents\" or an array of "
                                  "events, this one starts with " + shown(static_cast<char>(c)));
            } else {
                throw ImportError("is not JSON: byte " + std::to_string(abs_pos()) + " is " +
                                  shown(static_cast<char>(c)));
            }
            const int t = peek_nonws();
            if (t >= 0)
                throw ImportError("has more text after the end of its JSON value, at byte " + std::to_string(abs_pos()));
        } catch (const Truncated&) {
            if (!r.saw_events)
                throw ImportError("the JSON ends early at byte " + std::to_string(abs_pos()) +
                                  ", before any trace events (the file is truncated)");
            r.truncated = true;
            r.truncated_at = abs_pos();
        }
        r.bytes = base_ + end_;
        return r;
    }

private:
    uint64_t abs_pos() const { return base_ + pos_; }

    // Reads more, keeping buf_[keep..end_). Returns false at the end of the data.
    bool fill(size_t& keep) {
        if (cancel_ && cancel_->load(std::memory_order_relaxed)) throw ImportCancelled();
        if (keep > 0) {
            std::memmove(buf_.data(), buf_.data() + keep, end_ - keep);
            base_ += keep;
            pos_ -= keep;
            end_ -= keep;
            keep = 0;
        }
        if (buf_.size() - kPadding - end_ < kChunk / 2) {
            if (end_ > kMaxValue)
                throw ImportError("has a single value larger than " + std::to_string(kMaxValue >> 20) +
                                  " MiB at byte " + std::to_string(base_) + "; this is not a trace event");
            buf_.resize(buf_.size() * 2);
        }
        const size_t n = src_.read(buf_.data() + end_, buf_.size() - kPadding - end_);
        end_ += n;
        std::memset(buf_.data() + end_, ' ', kPadding);
        if (base_ + end_ >= next_progress_) {
            next_progress_ = base_ + end_ + kProgressEvery;
            h_.progress();
        }
        return n > 0;
    }
    bool more() {
        size_t keep = pos_;
        return fill(keep);
    }

    int peek_nonws() {
        for (;;) {
            while (pos_ < end_ && is_ws(buf_[pos_])) ++pos_;
            if (pos_ < end_) return static_cast<unsigned char>(buf_[pos_]);
            if (!more()) return -1;
        }
    }
    char need_nonws() {
        const int c = peek_nonws();
        if (c < 0) throw Truncated{};
        return static_cast<char>(c);
    }

    // Scans the value starting at pos_ (a non-space byte); leaves pos_ after it and returns its start.
    size_t scan_value() {
        size_t start = pos_;
        const char first = buf_[pos_];
        if (first == '{' || first == '[') {
            int depth = 0;
            bool in_str = false, esc = false;
            for (;;) {
                if (pos_ == end_) {
                    if (!fill(start)) throw Truncated{};
                    continue;
                }
                const char* p = buf_.data() + pos_;
                const char* const e = buf_.data() + end_;
                if (esc) {  // an escape cut by the end of the last chunk
                    esc = false;
                    ++p;
                }
                while (p < e) {
                    if (in_str) {
                        // Inside a string only '"' and '\\' matter: jump to the next quote.
                        const char* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(e - p)));
                        const char* b = static_cast<const char*>(std::memchr(p, '\\', static_cast<size_t>((q ? q : e) - p)));
                        if (b) {  // an escape before the quote: skip the escaped byte
                            if (b + 1 >= e) {
                                esc = true;
                                p = e;
                            } else {
                                p = b + 2;
                            }
                            continue;
                        }
                        if (!q) {
                            p = e;
                            continue;
                        }
                        in_str = false;
                        p = q + 1;
                        continue;
                    }
                    const unsigned char ch = static_cast<unsigned char>(*p++);
                    if (!kStructural[ch]) continue;
                    if (ch == '"') in_str = true;
                    else if (ch == '{' || ch == '[') ++depth;
                    else if (--depth == 0) {
                        pos_ = static_cast<size_t>(p - buf_.data());
                        return start;
                    }
                }
                pos_ = end_;
            }
        }
        if (first == '"') {
            bool esc = false;
            ++pos_;
            for (;;) {
                if (pos_ == end_ && !fill(start)) throw Truncated{};
                const char ch = buf_[pos_++];
                if (esc) esc = false;
                else if (ch == '\\') esc = true;
                else if (ch == '"') return start;
            }
        }
        // number, true, false, null: up to the next delimiter
        for (;;) {
            if (pos_ == end_ && !fill(start)) return start;
            const char ch = buf_[pos_];
            if (is_ws(ch) || ch == ',' || ch == '}' || ch == ']') return start;
            ++pos_;
        }
    }

    // Whether the text at pos_ is true, false or null (a JSON value, if not a trace).
    bool literal() {
        const size_t start = scan_value();
        const std::string_view tok(buf_.data() + start, pos_ - start);
        pos_ = start;
        return tok == "true" || tok == "false" || tok == "null";
    }

    std::string read_key() {
        if (need_nonws() != '"')
            throw ImportError("is not valid JSON: expected a member name at byte " + std::to_string(abs_pos()) +
                              ", found " + shown(buf_[pos_]));
        const size_t start = scan_value();
        std::string key(buf_.data() + start + 1, pos_ - start - 2);
        if (need_nonws() != ':')
            throw ImportError("is not valid JSON: expected ':' after \"" + key + "\" at byte " +
                              std::to_string(abs_pos()));
        ++pos_;
        return key;
    }

    void object(SplitResult& r) {
        if (need_nonws() == '}') {
            ++pos_;
            throw ImportError("is JSON but not a trace: an empty object (no \"traceEvents\")");
        }
        for (;;) {
            const std::string key = read_key();
            const char v = need_nonws();
            if (key == "traceEvents") {
                if (v != '[')
                    throw ImportError("is not a trace: \"traceEvents\" at byte " + std::to_string(abs_pos()) +
                                      " is not an array");
                ++pos_;
                r.saw_events = true;
                events();
            } else {
                const uint64_t off = abs_pos();
                const size_t start = scan_value();
                h_.member(key, std::string_view(buf_.data() + start, pos_ - start), off);
            }
            const char c = need_nonws();
            ++pos_;
            if (c == '}') break;
            if (c != ',')
                throw ImportError("is not valid JSON: expected ',' or '}' at byte " + std::to_string(abs_pos() - 1) +
                                  ", found " + shown(c));
        }
        if (!r.saw_events) throw ImportError("is JSON but not a trace: it has no \"traceEvents\" array");
    }

    void events() {
        if (need_nonws() == ']') {
            ++pos_;
            return;
        }
        for (;;) {
            const char c = need_nonws();
            if (c != '{')
                throw ImportError("is not a trace: the event at byte " + std::to_string(abs_pos()) +
                                  " is not a JSON object (starts with " + shown(c) + ")");
            const uint64_t off = abs_pos();
            const size_t start = scan_value();
            h_.event(std::string_view(buf_.data() + start, pos_ - start), off);
            const char d = need_nonws();
            ++pos_;
            if (d == ']') return;
            if (d != ',')
                throw ImportError("is not valid JSON: expected ',' or ']' after the event at byte " +
                                  std::to_string(off) + ", found " + shown(d) + " at byte " +
                                  std::to_string(abs_pos() - 1));
        }
    }

    ByteSource& src_;
    SplitHandler& h_;
    const std::atomic<bool>* cancel_;
    std::vector<char> buf_;
    size_t pos_ = 0, end_ = 0;
    uint64_t base_ = 0;
    uint64_t next_progress_ = 0;
};

}  // namespace

SplitResult split_trace(ByteSource& src, SplitHandler& h, const std::atomic<bool>* cancel) {
    return Splitter(src, h, cancel).run();
}

}  // namespace batchscope::trace_import::detail
