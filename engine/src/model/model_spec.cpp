#include "batchscope/engine/model/model_spec.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace batchscope::engine::model {
namespace {

constexpr int kMaxWidth = 65536, kMaxLayers = 16;
const char* const kModelHelp =
    "use logreg, svm[:margin=M], mlp:W1,W2,...[:relu|gelu][:dropout=P] or "
    "cnn:C1,C2,...[:fc=F][:relu|gelu][:dropout=P] (e.g. mlp:256,128, cnn:32,64)";

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        const size_t p = s.find(sep, start);
        out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
        if (p == std::string::npos) return out;
        start = p + 1;
    }
}

[[noreturn]] void bad(const std::string& text, const std::string& why) {
    throw std::invalid_argument("model '" + text + "': " + why + "; " + kModelHelp);
}

int parse_int(const std::string& text, const std::string& s, const char* what, int lo, int hi) {
    size_t used = 0;
    int v = 0;
    try {
        v = std::stoi(s, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != s.size() || v < lo || v > hi)
        bad(text, std::string(what) + " '" + s + std::string("' is not a whole number from ") + std::to_string(lo) + " to " +
                      std::to_string(hi));
    return v;
}

float parse_float(const std::string& text, const std::string& s, const char* what, float lo, float hi,
                  bool hi_open) {
    size_t used = 0;
    float v = 0;
    try {
        v = std::stof(s, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != s.size() || !(v >= lo) || (hi_open ? !(v < hi) : !(v <= hi)))
        bad(text, std::string(what) + " '" + s + std::string("' must be a number in [") + std::to_string(lo) + ", " +
                      std::to_string(hi) + (hi_open ? ")" : "]"));
    return v;
}

std::string fmt(float v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
    return buf;
}

}  // namespace

ModelSpec parse_model_spec(const std::string& text) {
    const std::vector<std::string> parts = split(text, ':');
    ModelSpec s;
    const std::string& head = parts[0];
    size_t opt = 1;
    if (head == "logreg" || head == "svm") {
        s.kind = head == "logreg" ? ModelKind::LogReg : ModelKind::Svm;
        s.widths.clear();
    } else if (head == "mlp" || head == "cnn") {
        s.kind = head == "mlp" ? ModelKind::Mlp : ModelKind::Cnn;
        if (parts.size() < 2 || parts[1].empty()) bad(text, head + " needs its widths after a colon");
        s.widths.clear();
        for (const std::string& w : split(parts[1], ','))
            s.widths.push_back(parse_int(text, w, head == "mlp" ? "width" : "channel count", 1, kMaxWidth));
        if (static_cast<int>(s.widths.size()) > kMaxLayers)
            bad(text, std::string("at most ") + std::to_string(kMaxLayers) + " layers");
        opt = 2;
    } else {
        bad(text, "unknown model '" + head + "'");
    }
    bool act_set = false;
    for (; opt < parts.size(); ++opt) {
        const std::string& o = parts[opt];
        const bool deep = s.kind == ModelKind::Mlp || s.kind == ModelKind::Cnn;
        if (deep && (o == "relu" || o == "gelu")) {
            if (act_set) bad(text, "more than one activation");
            act_set = true;
            s.activation = o == "relu" ? Activation::Relu : Activation::Gelu;
        } else if (deep && o.rfind("dropout=", 0) == 0) {
            s.dropout = parse_float(text, o.substr(8), "dropout", 0.f, 1.f, true);
        } else if (s.kind == ModelKind::Cnn && o.rfind("fc=", 0) == 0) {
            s.fc = parse_int(text, o.substr(3), "fc width", 0, kMaxWidth);
        } else if (s.kind == ModelKind::Svm && o.rfind("margin=", 0) == 0) {
            s.margin = parse_float(text, o.substr(7), "margin", 0.f, 100.f, false);
            if (!(s.margin > 0.f)) bad(text, "the margin must be positive");
        } else {
            bad(text, "unknown option '" + o + "' for " + head);
        }
    }
    if (s.kind == ModelKind::Cnn && s.dropout > 0.f && s.fc == 0) bad(text, "dropout in a CNN needs an fc layer");
    return s;
}

std::string ModelSpec::canonical() const {
    std::string out;
    switch (kind) {
        case ModelKind::LogReg: return "logreg";
        case ModelKind::Svm: return margin == 1.f ? "svm" : "svm:margin=" + fmt(margin);
        case ModelKind::Mlp: out = "mlp:"; break;
        case ModelKind::Cnn: out = "cnn:"; break;
    }
    for (size_t i = 0; i < widths.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(widths[i]);
    }
    if (kind == ModelKind::Cnn) out += std::string(":fc=") + std::to_string(fc);
    out += activation == Activation::Relu ? ":relu" : ":gelu";
    if (dropout > 0.f) out += ":dropout=" + fmt(dropout);
    return out;
}

const char* to_string(OptimizerKind k) noexcept { return k == OptimizerKind::Sgd ? "sgd" : "adam"; }

OptimizerKind parse_optimizer(const std::string& text) {
    if (text == "sgd") return OptimizerKind::Sgd;
    if (text == "adam") return OptimizerKind::Adam;
    throw std::invalid_argument("optimizer '" + text + "' is unknown: use sgd (with momentum) or adam");
}

LrSchedule parse_lr_schedule(const std::string& text) {
    const std::vector<std::string> p = split(text, ':');
    LrSchedule s;
    auto fail = [&](const std::string& why) {
        throw std::invalid_argument("learning-rate schedule '" + text + "': " + why +
                                    "; use none, step:N[:GAMMA] (x GAMMA every N epochs, default 0.1) or cosine");
    };
    if (p[0] == "none" && p.size() == 1) return s;
    if (p[0] == "cosine" && p.size() == 1) {
        s.kind = LrScheduleKind::Cosine;
        return s;
    }
    if (p[0] != "step") fail("unknown schedule");
    if (p.size() < 2 || p.size() > 3) fail("step needs N epochs");
    s.kind = LrScheduleKind::Step;
    auto number = [&](const std::string& t, bool integer) {
        size_t used = 0;
        double v = 0;
        try {
            v = integer ? static_cast<double>(std::stoi(t, &used)) : static_cast<double>(std::stof(t, &used));
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != t.size()) fail("'" + t + "' is not a number");
        return v;
    };
    const double n = number(p[1], true);
    if (n < 1 || n > 1000) fail("N must be 1 to 1000");
    s.step_epochs = static_cast<int>(n);
    if (p.size() == 3) {
        s.gamma = static_cast<float>(number(p[2], false));
        if (!(s.gamma > 0.f && s.gamma <= 1.f)) fail("GAMMA must be in (0, 1]");
    }
    return s;
}

std::string LrSchedule::canonical() const {
    switch (kind) {
        case LrScheduleKind::None: return "none";
        case LrScheduleKind::Cosine: return "cosine";
        case LrScheduleKind::Step: return std::string("step:") + std::to_string(step_epochs) + ":" + fmt(gamma);
    }
    return "?";
}

float learning_rate_at(const LrSchedule& s, float base, int epoch, int total_epochs) {
    const int e = std::max(0, epoch - 1);
    switch (s.kind) {
        case LrScheduleKind::None: return base;
        case LrScheduleKind::Step:
            return base * static_cast<float>(std::pow(static_cast<double>(s.gamma), e / s.step_epochs));
        case LrScheduleKind::Cosine: {
            const double t = total_epochs > 0 ? static_cast<double>(e) / total_epochs : 0.0;
            return static_cast<float>(static_cast<double>(base) * 0.5 * (1.0 + std::cos(3.14159265358979323846 * t)));
        }
    }
    return base;
}

}  // namespace batchscope::engine::model
