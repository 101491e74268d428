#pragma once
// Which model to build, and how it learns: parsed from the command line's --model,
// --optimizer and --lr-schedule strings (and written into checkpoints as the canonical text).
//
//   logreg                          softmax regression: one Linear, softmax cross-entropy
//   svm[:margin=M]                  linear SVM: one Linear, multi-class hinge (Crammer-Singer)
//   mlp:W1,W2,...[:relu|gelu][:dropout=P]
//                                   Linear + activation (+ dropout) per hidden width, then Linear
//   cnn:C1,C2,...[:fc=F][:relu|gelu][:dropout=P]
//                                   per Ci: Conv2d 3x3 (padding 1) + activation + MaxPool2d 2;
//                                   then Flatten, Linear(F) + activation (+ dropout), Linear
//                                   (fc=0: straight to the classes)
#include <cstdint>
#include <string>
#include <vector>

#include "batchscope/engine/model/backend.h"

namespace batchscope::engine::model {

enum class ModelKind : uint8_t { LogReg, Svm, Mlp, Cnn };
enum class LossKind : uint8_t { SoftmaxCrossEntropy, HingeCrammerSinger };

struct ModelSpec {
    ModelKind kind = ModelKind::Mlp;
    std::vector<int> widths{256, 128};  // MLP hidden widths / CNN conv channels
    Activation activation = Activation::Relu;
    float dropout = 0.f;                // after each hidden activation (MLP) or the fc layer (CNN)
    int fc = 128;                       // CNN hidden fully-connected width (0 = none)
    float margin = 1.f;                 // SVM hinge margin

    LossKind loss() const noexcept {
        return kind == ModelKind::Svm ? LossKind::HingeCrammerSinger : LossKind::SoftmaxCrossEntropy;
    }
    std::string canonical() const;  // parse(canonical()) == *this
    friend bool operator==(const ModelSpec&, const ModelSpec&) = default;
};

// Throws std::invalid_argument naming what was wrong and what is allowed.
ModelSpec parse_model_spec(const std::string& text);

enum class OptimizerKind : uint8_t { Sgd, Adam };
struct OptimizerConfig {
    OptimizerKind kind = OptimizerKind::Sgd;
    float momentum = 0.9f;  // SGD
    float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;  // Adam
    float weight_decay = 0.f;  // L2, added to the gradient (both)
};
const char* to_string(OptimizerKind k) noexcept;  // "sgd", "adam"
// "sgd" or "adam"; throws std::invalid_argument.
OptimizerKind parse_optimizer(const std::string& text);

// Learning rate per epoch: none, step (x gamma every `step_epochs`), or cosine annealing from the
// base rate to 0 over `total_epochs` (torch's StepLR / CosineAnnealingLR stepped once per epoch).
enum class LrScheduleKind : uint8_t { None, Step, Cosine };
struct LrSchedule {
    LrScheduleKind kind = LrScheduleKind::None;
    int step_epochs = 1;
    float gamma = 0.1f;
    std::string canonical() const;  // "none", "step:3:0.5", "cosine"
};
//   none | step:N[:GAMMA] | cosine      throws std::invalid_argument
LrSchedule parse_lr_schedule(const std::string& text);
// The rate of (1-based) `epoch` of `total_epochs`.
float learning_rate_at(const LrSchedule& s, float base, int epoch, int total_epochs);

}  // namespace batchscope::engine::model
