#include "device_tables.h"

namespace batchscope::ui {

namespace {
bool same_kernels(const std::vector<profiler::KernelRow>& a, const std::vector<profiler::KernelRow>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].name != b[i].name || a[i].calls != b[i].calls || a[i].total_ns != b[i].total_ns) return false;
    return true;
}
bool same_copies(const std::vector<profiler::CopyRow>& a, const std::vector<profiler::CopyRow>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].direction != b[i].direction || a[i].pinned != b[i].pinned || a[i].calls != b[i].calls ||
            a[i].total_ns != b[i].total_ns)
            return false;
    return true;
}
QVariant right(int role) { return role == Qt::TextAlignmentRole ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant(); }
}  // namespace

void KernelTableModel::setRows(const std::vector<profiler::KernelRow>& rows) {
    if (same_kernels(rows, rows_)) return;
    beginResetModel();
    rows_ = rows;
    total_ns_ = 0;
    for (const auto& r : rows_) total_ns_ += r.total_ns;
    endResetModel();
}

int KernelTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}
int KernelTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant KernelTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const profiler::KernelRow& r = rows_[static_cast<size_t>(index.row())];
    if (index.column() != Name && role == Qt::TextAlignmentRole) return right(role);
    const double share = total_ns_ > 0 ? 100.0 * static_cast<double>(r.total_ns) / static_cast<double>(total_ns_) : 0;
    if (role == kSortRole) {
        switch (index.column()) {
            case Name: return QString::fromStdString(r.name);
            case Calls: return static_cast<qlonglong>(r.calls);
            case TotalMs: return static_cast<qlonglong>(r.total_ns);
            case MeanUs: return r.mean_ns();
            case MaxUs: return static_cast<qlonglong>(r.max_ns);
            case Share: return share;
            default: return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Name) return QString::fromStdString(r.name);
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
        case Name: return QString::fromStdString(r.name);
        case Calls: return static_cast<qlonglong>(r.calls);
        case TotalMs: return QString::number(static_cast<double>(r.total_ns) / 1e6, 'f', 2);
        case MeanUs: return QString::number(r.mean_ns() / 1e3, 'f', 1);
        case MaxUs: return QString::number(static_cast<double>(r.max_ns) / 1e3, 'f', 1);
        case Share: return QStringLiteral("%1%").arg(share, 0, 'f', 1);
        default: return {};
    }
}

QVariant KernelTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case Name: return tr("Kernel name as CUPTI reported it");
            case Calls: return tr("Launches so far");
            case TotalMs: return tr("Device time of all launches, milliseconds");
            case MeanUs: return tr("Mean device time per launch, microseconds");
            case MaxUs: return tr("Longest launch, microseconds");
            case Share: return tr("Share of all kernel time");
            default: return {};
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (section) {
        case Name: return tr("Kernel");
        case Calls: return tr("Calls");
        case TotalMs: return tr("Total [ms]");
        case MeanUs: return tr("Mean [\u00b5s]");
        case MaxUs: return tr("Max [\u00b5s]");
        case Share: return tr("Share");
        default: return {};
    }
}

void CopyTableModel::setRows(const std::vector<profiler::CopyRow>& rows) {
    if (same_copies(rows, rows_)) return;
    beginResetModel();
    rows_ = rows;
    endResetModel();
}

int CopyTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}
int CopyTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant CopyTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const profiler::CopyRow& r = rows_[static_cast<size_t>(index.row())];
    if (index.column() >= Calls && role == Qt::TextAlignmentRole) return right(role);
    const QString dir = QString::fromLatin1(profiler::copy_direction_name(r.direction).data(),
                                            static_cast<qsizetype>(profiler::copy_direction_name(r.direction).size()));
    // Device-to-device and peer copies touch no host memory.
    const bool no_host = r.direction == profiler::CopyDirection::DtoD || r.direction == profiler::CopyDirection::PtoP;
    const QString host = no_host ? QStringLiteral("\u2014") : r.pinned ? tr("pinned") : tr("pageable");
    if (role == kSortRole) {
        switch (index.column()) {
            case Direction: return dir;
            case HostMemory: return host;
            case Calls: return static_cast<qlonglong>(r.calls);
            case MiB: return static_cast<qulonglong>(r.bytes);
            case TotalMs: return static_cast<qlonglong>(r.total_ns);
            case GBps: return r.gb_per_s();
            default: return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == HostMemory)
        return no_host ? tr("A copy between device memories: no host memory involved")
               : r.pinned ? tr("Page-locked host memory: the copy engine reads it directly (fast, asynchronous)")
                        : tr("Pageable host memory: the driver stages it through a pinned buffer (slower, synchronous)");
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
        case Direction: return dir;
        case HostMemory: return host;
        case Calls: return static_cast<qlonglong>(r.calls);
        case MiB: return QString::number(static_cast<double>(r.bytes) / (1024.0 * 1024.0), 'f', 1);
        case TotalMs: return QString::number(static_cast<double>(r.total_ns) / 1e6, 'f', 2);
        case GBps: return QString::number(r.gb_per_s(), 'f', 2);
        default: return {};
    }
}

QVariant CopyTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case Direction: return tr("HtoD: host to device; DtoH: device to host; DtoD: on the device");
            case HostMemory: return tr("Whether the host side was pinned (page-locked) or pageable");
            case Calls: return tr("Copies so far");
            case MiB: return tr("Bytes moved, MiB");
            case TotalMs: return tr("Device time of all copies, milliseconds");
            case GBps: return tr("Achieved bandwidth: bytes / copy time (1 GB = 10^9 bytes)");
            default: return {};
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (section) {
        case Direction: return tr("Direction");
        case HostMemory: return tr("Host memory");
        case Calls: return tr("Calls");
        case MiB: return tr("MiB");
        case TotalMs: return tr("Total [ms]");
        case GBps: return tr("GB/s");
        default: return {};
    }
}

}  // namespace batchscope::ui
