#include "session_jobs.h"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <filesystem>

#include "batchscope/store/session_store.h"
#include "batchscope/store/store_error.h"

namespace batchscope::ui {

SessionJobs::SessionJobs(QString db_path, QObject* parent) : QObject(parent), path_(std::move(db_path)) {
    pool_.setMaxThreadCount(1);  // one thread: jobs run in the order they were submitted
}

SessionJobs::~SessionJobs() { pool_.waitForDone(); }

int SessionJobs::submit(Job job, bool write) {
    const int id = ++next_id_;
    ++in_flight_;
    auto* watcher = new QFutureWatcher<SessionJobResult>(this);
    connect(watcher, &QFutureWatcher<SessionJobResult>::finished, this, [this, watcher, id] {
        --in_flight_;
        const SessionJobResult r = watcher->result();
        watcher->deleteLater();
        emit finished(id, r);
    });
    const std::string path = path_.toStdString();
    watcher->setFuture(QtConcurrent::run(&pool_, [job = std::move(job), path, write]() -> SessionJobResult {
        try {
            if (!write && !std::filesystem::exists(path)) {
                SessionJobResult r;
                r.error = QObject::tr("No sessions saved yet: %1 does not exist").arg(QString::fromStdString(path));
                return r;
            }
            store::SessionStore st(path, !write);
            return job(st);
        } catch (const std::exception& e) {
            SessionJobResult r;
            r.error = QString::fromStdString(e.what());
            return r;
        }
    }));
    return id;
}

}  // namespace batchscope::ui
