#include "memory_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QTableView>
#include <QVBoxLayout>

#include "phase_style.h"

namespace batchscope::ui {

namespace {
constexpr std::array<QRgb, kMemoryParts> kColours = {palette::kBlue,   palette::kSkyBlue, palette::kReddishPurple,
                                                     palette::kBluishGreen, palette::kGrey, palette::kOrange};

QString part_tip(int part) {
    switch (part) {
        case 0: return QStringLiteral("The model's parameters");
        case 1: return QStringLiteral("One gradient per parameter, filled by the backward pass");
        case 2: return QStringLiteral("SGD momentum or Adam moments");
        case 3: return QStringLiteral("Layer outputs kept for the backward pass, their gradients and masks: grow with the batch size");
        case 4: return QStringLiteral("Scratch buffers (im2col columns of convolutions)");
        case 5: return QStringLiteral("The loader's batches (prefetched, in flight, recycled) and the compute input: grow with batch size x prefetch depth");
        default: return {};
    }
}
}  // namespace

QString memory_part_label(int part) {
    switch (part) {
        case 0: return QStringLiteral("Weights");
        case 1: return QStringLiteral("Gradients");
        case 2: return QStringLiteral("Optimizer state");
        case 3: return QStringLiteral("Activations");
        case 4: return QStringLiteral("Workspace");
        case 5: return QStringLiteral("Batch buffers");
        default: return {};
    }
}

int64_t memory_part_bytes(const engine::MemoryUse& m, int part) {
    switch (part) {
        case 0: return m.weights;
        case 1: return m.gradients;
        case 2: return m.optimizer_state;
        case 3: return m.activations;
        case 4: return m.workspace;
        case 5: return m.batch_buffers;
        default: return 0;
    }
}

QString format_bytes(int64_t bytes) {
    const double b = static_cast<double>(bytes);
    if (bytes >= (int64_t{1} << 30)) return QStringLiteral("%1 GiB").arg(b / (1 << 30), 0, 'f', 2);
    if (bytes >= (int64_t{1} << 20)) return QStringLiteral("%1 MiB").arg(b / (1 << 20), 0, 'f', 1);
    if (bytes >= 1024) return QStringLiteral("%1 KiB").arg(b / 1024, 0, 'f', 1);
    return QStringLiteral("%1 B").arg(bytes);
}

void MemoryTableModel::setSnapshot(const engine::MemoryUse& host, const engine::DeviceView& device) {
    const bool gpu = !device.name.empty() || device.memory_total > 0;
    const int64_t run = gpu ? device.memory_run : -1, free = gpu ? device.memory_free : -1,
                  total = gpu ? device.memory_total : -1;
    if (!rows_.empty() && host.total() == host_.total() && host.activations == host_.activations &&
        host.batch_buffers == host_.batch_buffers && run == dev_run_ && free == dev_free_ && total == dev_total_)
        return;
    beginResetModel();
    host_ = host;
    dev_run_ = run, dev_free_ = free, dev_total_ = total;
    rows_.clear();
    const double sum = static_cast<double>(host.total());
    for (int p = 0; p < kMemoryParts; ++p) {
        const int64_t b = memory_part_bytes(host, p);
        rows_.push_back({tr("Host: %1").arg(memory_part_label(p)), part_tip(p), b, sum > 0 ? static_cast<double>(b) / sum * 100 : 0});
    }
    rows_.push_back({tr("Host: total"), tr("The CPU-side buffers of this run, counted as allocated"), host.total(), -1});
    if (gpu) {
        const double t = static_cast<double>(total);
        const QString dev = QString::fromStdString(device.name);
        rows_.push_back({tr("Device: held by this run"),
                         tr("Bytes this run holds on %1: weights, gradients, activations, staging").arg(dev), run,
                         t > 0 ? static_cast<double>(run) / t * 100 : -1});
        rows_.push_back({tr("Device: free"), tr("Free on the device when last sampled (cudaMemGetInfo)"), free,
                         t > 0 ? static_cast<double>(free) / t * 100 : -1});
        rows_.push_back({tr("Device: total"), tr("The device's memory"), total, -1});
    }
    endResetModel();
}

int MemoryTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}
int MemoryTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant MemoryTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const Row& r = rows_[static_cast<size_t>(index.row())];
    if (role == Qt::ToolTipRole) return r.tip;
    if (role == Qt::TextAlignmentRole && index.column() != What) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::DecorationRole && index.column() == What && index.row() < kMemoryParts)
        return QColor(kColours[static_cast<size_t>(index.row())]);
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
        case What: return r.what;
        case Size: return format_bytes(r.bytes);
        case Share: return r.share < 0 ? QString() : QStringLiteral("%1%").arg(r.share, 0, 'f', 1);
        default: return {};
    }
}

QVariant MemoryTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case What: return tr("Memory");
        case Size: return tr("Size");
        case Share: return tr("Share");
        default: return {};
    }
}

MemoryBar::MemoryBar(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setToolTip(tr("Host memory of this run by use, in proportion (hover the table rows for what each holds)."));
}

QSize MemoryBar::sizeHint() const { return {300, fontMetrics().height() * 2 + 14}; }

void MemoryBar::setMemory(const engine::MemoryUse& m) {
    if (m.total() == m_.total() && m.activations == m_.activations && m.batch_buffers == m_.batch_buffers) return;
    m_ = m;
    update();
}

void MemoryBar::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const int h = fontMetrics().height() + 6;
    const QRectF bar(0.5, 0.5, width() - 1.0, h);
    p.fillRect(bar, QColor(0xEE, 0xEE, 0xEE));
    const double total = static_cast<double>(m_.total());
    p.setPen(palette().color(QPalette::Text));
    if (total <= 0) {
        p.drawText(bar, Qt::AlignCenter, tr("No buffers allocated yet"));
        return;
    }
    double x = bar.left();
    for (int i = 0; i < kMemoryParts; ++i) {
        const double w = static_cast<double>(memory_part_bytes(m_, i)) / total * bar.width();
        if (w <= 0) continue;
        const QRectF seg(x, bar.top(), w, bar.height());
        const QColor c(kColours[static_cast<size_t>(i)]);
        p.fillRect(seg, c);
        const QString label = memory_part_label(i);
        if (fontMetrics().horizontalAdvance(label) + 6 < w) {
            p.setPen(c.lightnessF() > 0.62 ? QColor(0x20, 0x20, 0x20) : Qt::white);
            p.drawText(seg, Qt::AlignCenter, label);
        }
        x += w;
    }
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(0, h + 4, width(), fontMetrics().height()), Qt::AlignLeft | Qt::AlignVCenter,
               tr("Host total: %1").arg(format_bytes(m_.total())));
}

MemoryView::MemoryView(QWidget* parent)
    : QWidget(parent), bar_(new MemoryBar), model_(new MemoryTableModel(this)), table_(new QTableView) {
    table_->setModel(model_);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(MemoryTableModel::What, QHeaderView::ResizeToContents);
    table_->setSelectionMode(QAbstractItemView::NoSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setAlternatingRowColors(true);
    table_->setToolTip(tr("Memory of this run: host buffers by use and, on GPU runs, the device's memory."));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(bar_);
    layout->addWidget(table_, 1);
}

void MemoryView::showSnapshot(const engine::RunSnapshot& s) {
    bar_->setMemory(s.memory);
    model_->setSnapshot(s.memory, s.device);
}

}  // namespace batchscope::ui
