#pragma once
// File -> Open trace... and drag-and-drop of trace files or folders onto the main window: the
// import (batchscope::trace_import) runs on a thread of its own behind a cancellable progress
// dialog; the GUI thread only polls its progress. Then the Sessions tab lists the new sessions,
// and a folder of ranks opens their comparison.
#include <QObject>
#include <QStringList>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

class QMainWindow;
class QProgressDialog;
class QTimer;

namespace batchscope::ui {

class SessionsView;

class TraceImportUi : public QObject {
    Q_OBJECT
public:
    // Adds the menu entry and accepts drops on `window`; `show_sessions` brings the Sessions tab up.
    TraceImportUi(QMainWindow* window, SessionsView* sessions, std::function<void()> show_sessions);
    ~TraceImportUi() override;  // cancels and joins an import in flight

    // Imports these files/folders (what Open trace... and a drop do). Ignored while one runs.
    void importPaths(const QStringList& paths);
    bool busy() const { return worker_.joinable(); }
    QProgressDialog* progressDialog() const { return dialog_; }

signals:
    // The import ended: the new session ids, or an error (also shown in a message box unless quiet).
    void finished(const std::vector<int64_t>& ids, const QString& error);

public:
    void setQuiet(bool quiet) { quiet_ = quiet; }  // tests: no message boxes

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct State;
    void openDialog();
    void poll();

    QMainWindow* window_;
    SessionsView* sessions_;
    std::function<void()> show_sessions_;
    QProgressDialog* dialog_ = nullptr;
    QTimer* timer_;
    std::shared_ptr<State> state_;
    std::thread worker_;
    bool quiet_ = false;
};

}  // namespace batchscope::ui
