// Presenter mode (full screen, larger fonts, high contrast, every chart restyled and restored),
// its shortcut, the tab shortcuts, and the command line that picks a view.
#include <QTabWidget>
#include <QTest>

#include "app_options.h"
#include "charts/presenter_style.h"
#include "main_window.h"
#include "sessions_view.h"

using namespace batchscope;
using namespace batchscope::ui;

class PresenterTest : public QObject {
    Q_OBJECT
private slots:
    void presenterModeTogglesEverything() {
        MainWindow w;
        w.setRememberSettings(false);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const double normal = w.font().pointSizeF();
        QVERIFY(!charts_in_presenter_style(&w));
        w.setPresenterMode(true);
        QVERIFY(w.presenterMode());
        QVERIFY(w.windowState() & Qt::WindowFullScreen);
        QCOMPARE(w.font().pointSizeF(), normal * kPresenterScale);
        QCOMPARE(w.palette().color(QPalette::WindowText), QColor(Qt::black));
        QVERIFY(charts_in_presenter_style(&w));
        w.setPresenterMode(true);  // idempotent: not scaled twice
        QCOMPARE(w.font().pointSizeF(), normal * kPresenterScale);

        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QTest::keyClick(&w, Qt::Key_F11);
        QVERIFY(!w.presenterMode());
        QVERIFY(!(w.windowState() & Qt::WindowFullScreen));
        QCOMPARE(w.font().pointSizeF(), normal);
        QVERIFY(!charts_in_presenter_style(&w));
    }

    void tabShortcutsAndViews() {
        MainWindow w;
        w.setRememberSettings(false);
        w.show();
        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QTest::keyClick(&w, Qt::Key_3, Qt::AltModifier);
        QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.sessionsView()));
        QTest::keyClick(&w, Qt::Key_1, Qt::AltModifier);
        QCOMPARE(w.tabs()->currentIndex(), 0);
        w.showView(QStringLiteral("inference"));
        QCOMPARE(w.tabs()->currentIndex(), 1);
    }

    void commandLineViews() {
        const engine::TrainConfig d;
        auto args = [](std::initializer_list<const char*> a) {
            QStringList l{QStringLiteral("batchscope")};
            for (const char* s : a) l << QString::fromLatin1(s);
            return l;
        };
        AppOptions o = parse_app_options(args({"--compare", "3,4", "--presenter"}), d);
        QVERIFY(o.error.isEmpty());
        QCOMPARE(o.view, QStringLiteral("sessions"));
        QCOMPARE(o.compare, (std::vector<int64_t>{3, 4}));
        QVERIFY(o.presenter);
        QVERIFY(parse_app_options(args({"--view", "graphs"}), d).error.contains(QStringLiteral("live, inference")));
        QVERIFY(parse_app_options(args({"--compare", "3"}), d).error.contains(QStringLiteral("two or more")));
        QVERIFY(parse_app_options(args({"--compare", "3,x"}), d).error.contains(QStringLiteral("session ids")));
        o = parse_app_options(args({"--model", "cnn:8:fc=16", "--optimizer", "adam", "--lr", "0.001", "--backend", "cuda"}), d);
        QVERIFY2(o.error.isEmpty(), qPrintable(o.error));
        QCOMPARE(QString::fromStdString(o.config.model), QStringLiteral("cnn:8:fc=16"));
        QCOMPARE(QString::fromStdString(o.config.optimizer), QStringLiteral("adam"));
        QCOMPARE(o.config.learning_rate, 0.001f);
        QCOMPARE(QString::fromStdString(o.config.backend), QStringLiteral("cuda"));
        QVERIFY(parse_app_options(args({"--model", "resnet"}), d).error.contains(QStringLiteral("resnet")));
        QVERIFY(parse_app_options(args({"--backend", "tpu"}), d).error.contains(QStringLiteral("cpu or cuda")));
        QVERIFY(parse_app_options(args({"--lr", "fast"}), d).error.contains(QStringLiteral("--lr")));
    }
};

int run_presenter_tests(int argc, char** argv) {
    PresenterTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "presenter_test.moc"
