#include "device_table_view.h"

#include <QHeaderView>
#include <QSortFilterProxyModel>

#include "device_tables.h"

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

}  // namespace batchscope::ui
