#include "device_table_view.h"

#include <QHeaderView>
#include <QSortFilterProxyModel>

#include "device_tables.h"
#include "group_box.h"

#include <QGroupBox>

namespace batchscope::ui {

QTableView* make_device_table(QAbstractTableModel* model, int sort_column, QObject* owner, const QString& tip) {
    auto* proxy = new QSortFilterProxyModel(owner);
    proxy->setSourceModel(model);
    proxy->setSortRole(kSortRole);
    auto* view = new QTableView;
    view->setModel(proxy);
    view->setSortingEnabled(true);
    view->sortByColumn(sort_column, Qt::DescendingOrder);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
    view->setToolTip(tip);
    return view;
}

QStackedWidget* table_or_reason(QTableView* table, QLabel* empty) {
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    empty->setStyleSheet(QStringLiteral("color: #707070;"));
    auto* s = new QStackedWidget;
    s->addWidget(table);
    s->addWidget(empty);
    return s;
}

QSplitter* kernel_copy_tables(QWidget* kernels, QWidget* copies) {
    auto* tables = new QSplitter(Qt::Vertical);
    tables->addWidget(group(QObject::tr("Kernels"), kernels));
    tables->addWidget(group(QObject::tr("Copies"), copies));
    tables->setStretchFactor(0, 3);
    tables->setStretchFactor(1, 2);
    tables->setChildrenCollapsible(false);
    return tables;
}

}  // namespace batchscope::ui
