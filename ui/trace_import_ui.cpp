#include "trace_import_ui.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QMainWindow>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressDialog>
#include <QTimer>
#include <QUrl>
#include <mutex>

#include "batchscope/store/store_error.h"
#include "batchscope/trace_import/import_session.h"
#include "sessions_view.h"

namespace batchscope::ui {

// Shared by the worker thread and the GUI thread (which only polls it).
struct TraceImportUi::State {
    std::atomic<bool> cancel{false};
    std::atomic<bool> done{false};
    std::atomic<int> permille{0};
    std::atomic<int> file{0}, files{0};
    std::mutex m;  // guards the results below, written once by the worker before `done`
    std::vector<int64_t> ids;
    QString error;
    QStringList skipped;
};

TraceImportUi::TraceImportUi(QMainWindow* window, SessionsView* sessions, std::function<void()> show_sessions)
    : QObject(window), window_(window), sessions_(sessions), show_sessions_(std::move(show_sessions)),
      timer_(new QTimer(this)) {
    QMenu* file = window->menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("Open &trace\u2026"), this, &TraceImportUi::openDialog);
    open->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    open->setToolTip(tr("Import PyTorch profiler traces (.json, .json.gz), or a folder of them (one per rank)"));
    window->setAcceptDrops(true);
    window->installEventFilter(this);
    timer_->setInterval(100);
    connect(timer_, &QTimer::timeout, this, &TraceImportUi::poll);
}

TraceImportUi::~TraceImportUi() {
    if (state_) state_->cancel = true;
    if (worker_.joinable()) worker_.join();
}

void TraceImportUi::openDialog() {
    const QStringList files = QFileDialog::getOpenFileNames(window_, tr("Open PyTorch profiler traces"), QString(),
                                                            tr("Traces (*.json *.json.gz);;All files (*)"));
    if (!files.isEmpty()) importPaths(files);
}

bool TraceImportUi::eventFilter(QObject* watched, QEvent* event) {
    if (watched == window_ && event->type() == QEvent::DragEnter) {
        auto* e = static_cast<QDragEnterEvent*>(event);
        if (e->mimeData()->hasUrls()) {
            e->acceptProposedAction();
            return true;
        }
    } else if (watched == window_ && event->type() == QEvent::Drop) {
        auto* e = static_cast<QDropEvent*>(event);
        QStringList paths;
        for (const QUrl& u : e->mimeData()->urls())
            if (u.isLocalFile()) paths << u.toLocalFile();
        if (!paths.isEmpty()) {
            e->acceptProposedAction();
            importPaths(paths);
            return true;
        }
    }
    return QObject::eventFilter(watched, event);
}

void TraceImportUi::importPaths(const QStringList& paths) {
    if (busy()) return;
    state_ = std::make_shared<State>();
    std::vector<std::string> in;
    for (const QString& p : paths) in.push_back(p.toStdString());
    const std::string db = sessions_->dbPath().toStdString();
    dialog_ = new QProgressDialog(tr("Reading the traces\u2026"), tr("Cancel"), 0, 1000, window_);
    dialog_->setWindowTitle(tr("Open trace"));
    dialog_->setWindowModality(Qt::WindowModal);
    dialog_->setMinimumDuration(0);
    dialog_->setAutoClose(false);
    dialog_->setAutoReset(false);
    connect(dialog_, &QProgressDialog::canceled, this, [s = state_] { s->cancel = true; });
    dialog_->show();
    worker_ = std::thread([s = state_, in = std::move(in), db] {
        std::vector<int64_t> ids;
        QString error;
        QStringList skipped;
        try {
            std::vector<std::string> skip;
            const auto files = trace_import::collect_trace_files(in, skip);
            for (const auto& f : skip) skipped << QString::fromStdString(f);
            if (files.empty()) throw trace_import::ImportError("no trace files (.json, .json.gz) in what was given");
            s->files = static_cast<int>(files.size());
            const auto b = trace_import::import_traces(
                files, db, {}, -1,
                [&](size_t i, size_t n, uint64_t done, uint64_t total) {
                    s->file = static_cast<int>(i);
                    const double f = (static_cast<double>(i) + (total ? static_cast<double>(done) / static_cast<double>(total) : 1.0)) /
                                     static_cast<double>(n);
                    s->permille = static_cast<int>(1000 * f);
                },
                &s->cancel);
            ids = b.ids;
        } catch (const trace_import::ImportCancelled&) {
            error = QObject::tr("Cancelled: nothing was saved.");
        } catch (const trace_import::ImportError& e) {
            error = QString::fromStdString(e.what()) + QObject::tr("\nNothing was saved.");
        } catch (const store::StoreError& e) {
            error = QString::fromStdString(e.what());
        }
        std::lock_guard lock(s->m);
        s->ids = std::move(ids);
        s->error = std::move(error);
        s->skipped = std::move(skipped);
        s->done = true;
    });
    timer_->start();
}

void TraceImportUi::poll() {
    if (!state_) return;
    if (dialog_) {
        dialog_->setValue(state_->permille.load());
        if (state_->files > 1)
            dialog_->setLabelText(tr("Reading trace %1 of %2\u2026").arg(state_->file + 1).arg(state_->files.load()));
    }
    if (!state_->done) return;
    timer_->stop();
    worker_.join();
    std::vector<int64_t> ids;
    QString error;
    QStringList skipped;
    {
        std::lock_guard lock(state_->m);
        ids = state_->ids;
        error = state_->error;
        skipped = state_->skipped;
    }
    if (dialog_) {
        dialog_->deleteLater();
        dialog_ = nullptr;
    }
    if (!error.isEmpty() && !quiet_) QMessageBox::warning(window_, tr("Open trace"), error);
    if (!skipped.isEmpty() && !quiet_)
        QMessageBox::information(window_, tr("Open trace"),
                                 tr("Skipped (not .json or .json.gz traces):\n%1").arg(skipped.join(QLatin1Char('\n'))));
    if (!ids.empty()) {
        if (show_sessions_) show_sessions_();
        sessions_->refresh();
        sessions_->selectIds(ids);
        if (ids.size() > 1) sessions_->compare(ids);
    }
    emit finished(ids, error);
}

}  // namespace batchscope::ui
