#include "phase_style.h"

namespace batchscope::ui {

QColor part_colour(Part p) {
    switch (p) {
        case Part::DataWait: return QColor(palette::kVermillion);
        case Part::H2D: return QColor(palette::kSkyBlue);
        case Part::Compute: return QColor(palette::kBluishGreen);
        case Part::Comm: return QColor(palette::kReddishPurple);
        case Part::D2H: return QColor(palette::kBlue);
        case Part::OtherGpu: return QColor(palette::kYellow);
        case Part::Host: return QColor(palette::kGrey);
    }
    return Qt::black;
}

QString part_label(Part p) {
    switch (p) {
        case Part::DataWait: return QStringLiteral("Data wait");
        case Part::H2D: return QStringLiteral("H2D copy");
        case Part::Compute: return QStringLiteral("Compute");
        case Part::Comm: return QStringLiteral("Comm");
        case Part::D2H: return QStringLiteral("D2H copy");
        case Part::OtherGpu: return QStringLiteral("Other GPU work");
        case Part::Host: return QStringLiteral("Host");
    }
    return {};
}

QString part_explanation(Part p) {
    switch (p) {
        case Part::DataWait:
            return QStringLiteral("Training loop blocked waiting for the next batch: loading time "
                                  "NOT hidden by prefetching.");
        case Part::H2D:
            return QStringLiteral("Copying the batch to the device (CPU backend: into the compute "
                                  "buffer). On a GPU the next batch is staged and copied while this "
                                  "one computes: only the part compute does not hide counts here.");
        case Part::Compute:
            return QStringLiteral("Forward pass, backward pass and optimizer step.");
        case Part::Comm:
            return QStringLiteral("Collectives (NCCL kernels: all-reduce, all-gather, ...) of an imported "
                                  "PyTorch trace, where no compute kernel ran at the same time.");
        case Part::D2H:
            return QStringLiteral("Copying the loss and outputs back to the host.");
        case Part::OtherGpu:
            return QStringLiteral("Other device work of an imported PyTorch trace: memsets, device-to-device "
                                  "and peer copies.");
        case Part::Host:
            return QStringLiteral("Everything else on the host: launch overhead, bookkeeping.");
    }
    return {};
}

}  // namespace batchscope::ui
