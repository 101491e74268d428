#pragma once
// The browser of saved sessions: a filter (mode, model, dataset, tag), the list, rename / tag /
// note / delete, and the compare view of the selected sessions. Every read and write of the
// session file runs in SessionJobs, off the GUI thread; stale list results are dropped.
#include <QString>
#include <QWidget>
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "batchscope/store/session_store.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace batchscope::ui {

class CompareView;
class SessionDetailView;
class SessionJobs;
class SessionTableModel;
struct SessionJobResult;

class SessionsView : public QWidget {
    Q_OBJECT
public:
    explicit SessionsView(const QString& db_path, QWidget* parent = nullptr);

    const QString& dbPath() const;
    store::SessionFilter filter() const;

    // Each starts a job; the list is reloaded when it is done.
    void refresh();
    void renameSession(int64_t id, const QString& name);
    void addTag(int64_t id, const QString& tag);
    void removeTag(int64_t id, const QString& tag);
    void setNote(int64_t id, const QString& note);
    void deleteSessions(const std::vector<int64_t>& ids);
    void compare(const std::vector<int64_t>& ids);
    // Loads the session's stored events off the GUI thread, then opens its detail window
    // (SessionDetailView: lane timeline, kernel and copy tables); detailShown() tells when.
    void showDetails(int64_t id);
    // Exports; each ends with exported(file, error).
    void exportCsv(int64_t id, const QString& file);
    void exportTrace(int64_t id, const QString& file);
    void exportReport(int64_t id, const QString& file);
    void exportComparisonReport(const QString& file);  // the comparison shown

    std::vector<int64_t> selectedIds() const;
    void selectIds(const std::vector<int64_t>& ids);
    bool busy() const;  // jobs in flight

    SessionTableModel* model() const { return model_; }
    CompareView* compareView() const { return compare_; }
    QLabel* statusLabel() const { return status_; }
    QComboBox* modeFilter() const { return mode_; }
    QLineEdit* modelFilter() const { return model_filter_; }
    QLineEdit* datasetFilter() const { return dataset_; }
    QLineEdit* tagFilter() const { return tag_; }
    QTableView* table() const { return table_; }

signals:
    // A list or a comparison arrived (tests and exports wait for it).
    void listed();
    void compared();
    void exported(const QString& file, const QString& error);
    void detailShown(batchscope::ui::SessionDetailView* view);

private:
    void onJobFinished(int job, const SessionJobResult& r);
    void runWrite(std::function<QString(store::SessionStore&)> op);
    void askRename();
    void askTag();
    void askNote();
    void askDelete();
    void askExport(const QString& kind);
    void updateButtons();

    SessionJobs* jobs_;
    SessionTableModel* model_;
    QTableView* table_;
    QComboBox* mode_;
    QLineEdit* model_filter_;
    QLineEdit* dataset_;
    QLineEdit* tag_;
    QPushButton* rename_;
    QPushButton* tag_button_;
    QPushButton* note_;
    QPushButton* delete_;
    QPushButton* compare_button_;
    QPushButton* export_;
    QPushButton* compare_pdf_;
    QPushButton* details_;
    QLabel* status_;
    CompareView* compare_;
    int list_job_ = 0;     // newest list job; older results are dropped
    int compare_job_ = 0;  // newest compare job
    std::set<int> export_jobs_;
    std::set<int> detail_jobs_;
};

}  // namespace batchscope::ui
