#include "sessions_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <QFileDialog>
#include <QMenu>

#include "compare_view.h"
#include "pdf_report.h"
#include "session_detail_view.h"
#include "session_export.h"
#include "session_jobs.h"
#include "session_table_model.h"

namespace batchscope::ui {

namespace {
QPushButton* button(const QString& text, const QString& tip) {
    auto* b = new QPushButton(text);
    b->setToolTip(tip);
    return b;
}
}  // namespace

SessionsView::SessionsView(const QString& db_path, QWidget* parent)
    : QWidget(parent), jobs_(new SessionJobs(db_path, this)), model_(new SessionTableModel(this)),
      table_(new QTableView), mode_(new QComboBox), model_filter_(new QLineEdit), dataset_(new QLineEdit),
      tag_(new QLineEdit), rename_(button(tr("Rename\u2026"), tr("Give the selected session a new name (F2)"))),
      tag_button_(button(tr("Tag\u2026"), tr("Add a tag to the selected sessions; \"-tag\" removes it"))),
      note_(button(tr("Note\u2026"), tr("Write a note on the selected session"))),
      delete_(button(tr("Delete"), tr("Delete the selected sessions from the file (Del)"))),
      compare_button_(button(tr("Compare"), tr("Compare the selected sessions (two or more; Ctrl+Shift+C)"))),
      export_(button(tr("Export"), tr("Write the selected session as CSV, a Chrome trace (Perfetto) or a one-page PDF report"))),
      compare_pdf_(button(tr("Comparison PDF…"), tr("Write the comparison shown as a one-page PDF report"))),
      details_(button(tr("Details\u2026"), tr("Open the selected session's lane timeline, kernel table and copy table "
                                               "(imported traces and runs saved with their events)"))),
      status_(new QLabel), compare_(new CompareView) {
    mode_->addItem(tr("any mode"), QString());
    mode_->addItem(tr("training"), QStringLiteral("train"));
    mode_->addItem(tr("inference"), QStringLiteral("infer"));
    model_filter_->setPlaceholderText(tr("model"));
    dataset_->setPlaceholderText(tr("dataset"));
    tag_->setPlaceholderText(tr("tag"));
    for (QLineEdit* e : {model_filter_, dataset_, tag_}) {
        e->setClearButtonEnabled(true);
        e->setToolTip(tr("Show only sessions whose %1 is exactly this (empty: any)").arg(e->placeholderText()));
        connect(e, &QLineEdit::editingFinished, this, &SessionsView::refresh);
    }
    connect(mode_, &QComboBox::currentIndexChanged, this, &SessionsView::refresh);
    auto* refresh_button = button(tr("Refresh"), tr("Read the session file again (F5)"));
    connect(refresh_button, &QPushButton::clicked, this, &SessionsView::refresh);

    auto* filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Show:")));
    filters->addWidget(mode_);
    filters->addWidget(model_filter_);
    filters->addWidget(dataset_);
    filters->addWidget(tag_);
    filters->addWidget(refresh_button);
    filters->addStretch(1);
    for (QPushButton* b : {details_, rename_, tag_button_, note_, delete_, export_, compare_button_, compare_pdf_})
        filters->addWidget(b);
    auto* export_menu = new QMenu(export_);
    export_menu->addAction(tr("CSV (one row per iteration or request)…"), this, [this] { askExport(QStringLiteral("csv")); });
    export_menu->addAction(tr("Chrome trace (Perfetto)…"), this, [this] { askExport(QStringLiteral("json")); });
    export_menu->addAction(tr("PDF report…"), this, [this] { askExport(QStringLiteral("pdf")); });
    export_->setMenu(export_menu);
    connect(compare_pdf_, &QPushButton::clicked, this, [this] { askExport(QStringLiteral("compare-pdf")); });

    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setAlternatingRowColors(true);
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &SessionsView::updateButtons);
    connect(table_, &QTableView::doubleClicked, this, [this] { askRename(); });

    status_->setText(tr("Session file: %1").arg(db_path));
    auto* top = new QWidget;
    auto* top_layout = new QVBoxLayout(top);
    top_layout->setContentsMargins(0, 0, 0, 0);
    top_layout->addLayout(filters);
    top_layout->addWidget(table_, 1);
    top_layout->addWidget(status_);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(top);
    split->addWidget(compare_);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(rename_, &QPushButton::clicked, this, &SessionsView::askRename);
    connect(tag_button_, &QPushButton::clicked, this, &SessionsView::askTag);
    connect(note_, &QPushButton::clicked, this, &SessionsView::askNote);
    connect(delete_, &QPushButton::clicked, this, &SessionsView::askDelete);
    connect(compare_button_, &QPushButton::clicked, this, [this] { compare(selectedIds()); });
    connect(details_, &QPushButton::clicked, this, [this] {
        if (selectedIds().size() == 1) showDetails(selectedIds().front());
    });
    auto shortcut = [this](QKeySequence k, auto slot) {
        auto* s = new QShortcut(k, this);
        s->setContext(Qt::WidgetWithChildrenShortcut);
        connect(s, &QShortcut::activated, this, slot);
    };
    shortcut(QKeySequence(Qt::Key_F5), [this] { refresh(); });
    shortcut(QKeySequence(Qt::Key_F2), [this] { askRename(); });
    shortcut(QKeySequence(Qt::Key_Delete), [this] { askDelete(); });
    shortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), [this] { compare(selectedIds()); });
    connect(jobs_, &SessionJobs::finished, this, &SessionsView::onJobFinished);
    updateButtons();
}

const QString& SessionsView::dbPath() const { return jobs_->dbPath(); }

store::SessionFilter SessionsView::filter() const {
    store::SessionFilter f;
    f.mode = mode_->currentData().toString().toStdString();
    f.model = model_filter_->text().trimmed().toStdString();
    f.dataset = dataset_->text().trimmed().toStdString();
    f.tag = tag_->text().trimmed().toStdString();
    return f;
}

bool SessionsView::busy() const { return jobs_->inFlight() > 0; }

void SessionsView::refresh() {
    status_->setText(tr("Loading sessions\u2026"));
    list_job_ = jobs_->submit([f = filter()](store::SessionStore& st) {
        SessionJobResult r;
        r.sessions = st.list(f);
        return r;
    });
}

void SessionsView::runWrite(std::function<QString(store::SessionStore&)> op) {
    jobs_->submit([op = std::move(op)](store::SessionStore& st) {
        SessionJobResult r;
        r.message = op(st);
        return r;
    }, true);
    refresh();  // queued after the write: the list shows its result
}

void SessionsView::renameSession(int64_t id, const QString& name) {
    runWrite([id, n = name.toStdString()](store::SessionStore& st) {
        st.rename(id, n);
        return tr("Session %1 renamed").arg(id);
    });
}

void SessionsView::addTag(int64_t id, const QString& tag) {
    runWrite([id, t = tag.toStdString()](store::SessionStore& st) {
        st.add_tag(id, t);
        return tr("Session %1 tagged %2").arg(id).arg(QString::fromStdString(t));
    });
}

void SessionsView::removeTag(int64_t id, const QString& tag) {
    runWrite([id, t = tag.toStdString()](store::SessionStore& st) {
        st.remove_tag(id, t);
        return tr("Tag %2 removed from session %1").arg(id).arg(QString::fromStdString(t));
    });
}

void SessionsView::setNote(int64_t id, const QString& note) {
    runWrite([id, n = note.toStdString()](store::SessionStore& st) {
        st.set_note(id, n);
        return tr("Note of session %1 saved").arg(id);
    });
}

void SessionsView::deleteSessions(const std::vector<int64_t>& ids) {
    runWrite([ids](store::SessionStore& st) {
        for (int64_t id : ids) st.remove(id);
        return tr("%n session(s) deleted", nullptr, static_cast<int>(ids.size()));
    });
}

void SessionsView::compare(const std::vector<int64_t>& ids) {
    if (ids.size() < 2) {
        status_->setText(tr("Select two or more sessions to compare (Ctrl+click)."));
        return;
    }
    status_->setText(tr("Loading %1 sessions to compare\u2026").arg(ids.size()));
    compare_job_ = jobs_->submit([ids](store::SessionStore& st) {
        SessionJobResult r;
        r.comparison = std::make_shared<const ComparisonData>(load_comparison(st, ids));
        return r;
    });
}

void SessionsView::showDetails(int64_t id) {
    status_->setText(tr("Loading the events of session %1\u2026").arg(id));
    detail_jobs_.insert(jobs_->submit([id](store::SessionStore& st) {
        SessionJobResult r;
        r.detail = std::make_shared<const analysis::SessionDetail>(analysis::session_detail(st, id));
        if (const auto info = st.info(id)) {
            r.sessions.push_back(*info);
        }
        return r;
    }));
}

void SessionsView::exportCsv(int64_t id, const QString& file) {
    export_jobs_.insert(jobs_->submit([id, file](store::SessionStore& st) {
        SessionJobResult r;
        export_session_csv(st, id, file.toStdString());
        r.file = file;
        return r;
    }));
}

void SessionsView::exportTrace(int64_t id, const QString& file) {
    export_jobs_.insert(jobs_->submit([id, file](store::SessionStore& st) {
        SessionJobResult r;
        for (const std::string& note : export_session_trace(st, id, file.toStdString()))
            r.message += (r.message.isEmpty() ? QString() : QStringLiteral("; ")) + QString::fromStdString(note);
        r.file = file;
        return r;
    }));
}

void SessionsView::exportReport(int64_t id, const QString& file) {
    export_jobs_.insert(jobs_->submit([id, file](store::SessionStore& st) {
        SessionJobResult r;
        r.report = std::make_shared<const SessionReport>(load_session_report(st, id));
        r.file = file;
        return r;
    }));
}

void SessionsView::exportComparisonReport(const QString& file) {
    const auto shown = compare_->shown();
    const QString error = shown ? write_comparison_report(file, *shown)
                                : tr("No comparison to report: compare two or more sessions first");
    status_->setText(error.isEmpty() ? tr("Wrote %1").arg(file) : error);
    emit exported(file, error);
}

void SessionsView::askExport(const QString& kind) {
    const auto ids = selectedIds();
    const bool comparison = kind == QLatin1String("compare-pdf");
    if (!comparison && ids.size() != 1) {
        status_->setText(tr("Select one session to export."));
        return;
    }
    const QString suffix = comparison ? QStringLiteral("pdf") : kind;
    const QString name = comparison ? QStringLiteral("comparison.pdf")
                                    : QStringLiteral("session-%1.%2").arg(ids.front()).arg(suffix);
    const QString file = QFileDialog::getSaveFileName(this, tr("Export"), name,
                                                      tr("%1 files (*.%2)").arg(suffix.toUpper(), suffix));
    if (file.isEmpty()) return;
    if (comparison) exportComparisonReport(file);
    else if (kind == QLatin1String("csv")) exportCsv(ids.front(), file);
    else if (kind == QLatin1String("json")) exportTrace(ids.front(), file);
    else exportReport(ids.front(), file);
}

void SessionsView::onJobFinished(int job, const SessionJobResult& r) {
    if (export_jobs_.erase(job)) {
        QString error = r.error;
        if (error.isEmpty() && r.report) error = write_session_report(r.file, *r.report);
        status_->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("color: #B00020;"));
        status_->setText(error.isEmpty() ? tr("Wrote %1").arg(r.file) + (r.message.isEmpty() ? QString() : QStringLiteral(" (") + r.message + QStringLiteral(")"))
                                         : tr("Not exported: %1").arg(error));
        emit exported(r.file, error);
        return;
    }
    if (detail_jobs_.erase(job)) {
        if (!r.error.isEmpty() || !r.detail || r.sessions.empty()) {
            status_->setStyleSheet(QStringLiteral("color: #B00020;"));
            status_->setText(tr("No details: %1").arg(r.error));
            return;
        }
        status_->setStyleSheet(QString());
        const store::SessionInfo& info = r.sessions.front();
        auto* view = new SessionDetailView(info.id, QString::fromStdString(info.name), r.detail, this);
        view->setWindowFlag(Qt::Window);
        view->setAttribute(Qt::WA_DeleteOnClose);
        view->show();
        status_->setText(tr("Session %1: %2").arg(info.id).arg(QString::fromStdString(r.detail->scope)));
        emit detailShown(view);
        return;
    }
    if (!r.error.isEmpty()) {
        status_->setText(r.error);
        status_->setStyleSheet(QStringLiteral("color: #B00020;"));
        if (job == list_job_) {
            model_->setSessions({});
            emit listed();
        }
        if (job == compare_job_) emit compared();
        return;
    }
    status_->setStyleSheet(QString());
    if (!r.message.isEmpty()) status_->setText(r.message);
    if (r.comparison && job == compare_job_) {
        compare_->showComparison(r.comparison);
        updateButtons();
        status_->setText(tr("Compared %1 sessions").arg(r.comparison->sessions.size()));
        emit compared();
        return;
    }
    if (job != list_job_) return;  // a write (its list job follows) or a stale list
    const std::vector<int64_t> keep = selectedIds();
    model_->setSessions(r.sessions);
    selectIds(keep);
    status_->setText(tr("%n session(s) in %1", nullptr, model_->rowCount()).arg(dbPath()));
    updateButtons();
    emit listed();
}

std::vector<int64_t> SessionsView::selectedIds() const {
    std::vector<int64_t> ids;
    for (const QModelIndex& i : table_->selectionModel()->selectedRows()) ids.push_back(model_->idAt(i.row()));
    std::sort(ids.begin(), ids.end());
    return ids;
}

void SessionsView::selectIds(const std::vector<int64_t>& ids) {
    QItemSelection sel;
    for (int64_t id : ids) {
        const int row = model_->rowOf(id);
        if (row >= 0) sel.select(model_->index(row, 0), model_->index(row, SessionTableModel::ColumnCount - 1));
    }
    table_->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
}

void SessionsView::updateButtons() {
    const size_t n = selectedIds().size();
    rename_->setEnabled(n == 1);
    note_->setEnabled(n == 1);
    tag_button_->setEnabled(n >= 1);
    delete_->setEnabled(n >= 1);
    compare_button_->setEnabled(n >= 2);
    export_->setEnabled(n == 1);
    details_->setEnabled(n == 1);
    compare_pdf_->setEnabled(compare_->shown() != nullptr);
}

void SessionsView::askRename() {
    const auto ids = selectedIds();
    if (ids.size() != 1) return;
    const int row = model_->rowOf(ids[0]);
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Rename session"), tr("Name:"), QLineEdit::Normal,
                                               QString::fromStdString(model_->sessions()[static_cast<size_t>(row)].name), &ok);
    if (ok && !name.trimmed().isEmpty()) renameSession(ids[0], name.trimmed());
}

void SessionsView::askTag() {
    const auto ids = selectedIds();
    if (ids.empty()) return;
    bool ok = false;
    const QString tag = QInputDialog::getText(this, tr("Tag sessions"), tr("Tag (\"-tag\" removes it):"),
                                              QLineEdit::Normal, QString(), &ok).trimmed();
    if (!ok || tag.isEmpty() || tag == QLatin1String("-")) return;
    for (int64_t id : ids) {
        if (tag.startsWith(QLatin1Char('-')))
            removeTag(id, tag.mid(1));
        else
            addTag(id, tag);
    }
}

void SessionsView::askNote() {
    const auto ids = selectedIds();
    if (ids.size() != 1) return;
    const int row = model_->rowOf(ids[0]);
    bool ok = false;
    const QString note = QInputDialog::getMultiLineText(this, tr("Note"), tr("Note on session %1:").arg(ids[0]),
                                                        QString::fromStdString(model_->sessions()[static_cast<size_t>(row)].note), &ok);
    if (ok) setNote(ids[0], note);
}

void SessionsView::askDelete() {
    const auto ids = selectedIds();
    if (ids.empty()) return;
    if (QMessageBox::question(this, tr("Delete sessions"),
                              tr("Delete %n session(s) and all their records from %1? This cannot be undone.",
                                 nullptr, static_cast<int>(ids.size())).arg(dbPath())) == QMessageBox::Yes)
        deleteSessions(ids);
}

}  // namespace batchscope::ui
