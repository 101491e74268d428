#pragma once
// Work on the session file away from the GUI thread: each job opens its own SessionStore on a
// pool thread, and its result comes back on the GUI thread through finished(). Jobs carry an
// increasing id so that a view can drop results it no longer wants.
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <functional>
#include <memory>
#include <vector>

#include "batchscope/analysis/session_detail.h"
#include "batchscope/store/records.h"
#include "session_data.h"

namespace batchscope::ui {

struct SessionJobResult {
    std::vector<store::SessionInfo> sessions;           // list jobs
    std::shared_ptr<const ComparisonData> comparison;   // compare jobs
    std::shared_ptr<const SessionReport> report;        // report jobs (the PDF is drawn on the GUI thread)
    std::shared_ptr<const analysis::SessionDetail> detail;  // detail jobs (timeline and tables)
    QString file;                                       // export jobs: the file written (or to write)
    QString message;                                    // what a write job did, for the status line
    QString error;                                      // why the job failed (empty: it worked)
};

class SessionJobs : public QObject {
    Q_OBJECT
public:
    using Job = std::function<SessionJobResult(store::SessionStore&)>;

    explicit SessionJobs(QString db_path, QObject* parent = nullptr);
    ~SessionJobs() override;  // waits for jobs in flight (each is one short SQLite query)

    const QString& dbPath() const { return path_; }
    // Runs `job` on a pool thread with the store opened read-only (or for writing); returns its id.
    int submit(Job job, bool write = false);
    int inFlight() const { return in_flight_; }

signals:
    void finished(int job, const batchscope::ui::SessionJobResult& result);

private:
    QString path_;
    QThreadPool pool_;
    int next_id_ = 0;
    int in_flight_ = 0;
};

}  // namespace batchscope::ui
