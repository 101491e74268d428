// Runs every QtTest class of the dashboard in one executable (one ctest test, label "ui").
#include <QApplication>
#include <QStandardPaths>

int run_view_logic_tests(int argc, char** argv);
int run_main_window_tests(int argc, char** argv);
int run_verdict_tests(int argc, char** argv);
int run_sessions_tests(int argc, char** argv);
int run_exports_tests(int argc, char** argv);
int run_data_panel_tests(int argc, char** argv);
int run_infer_pane_tests(int argc, char** argv);
int run_sweep_tests(int argc, char** argv);
int run_presenter_tests(int argc, char** argv);
int run_preset_tests(int argc, char** argv);
int run_pipeline_views_tests(int argc, char** argv);
int run_trace_import_tests(int argc, char** argv);

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);  // QSettings go to a scratch place, not the user's
    int failed = 0;
    failed += run_view_logic_tests(argc, argv);
    failed += run_main_window_tests(argc, argv);
    failed += run_verdict_tests(argc, argv);
    failed += run_sessions_tests(argc, argv);
    failed += run_exports_tests(argc, argv);
    failed += run_data_panel_tests(argc, argv);
    failed += run_infer_pane_tests(argc, argv);
    failed += run_sweep_tests(argc, argv);
    failed += run_presenter_tests(argc, argv);
    failed += run_preset_tests(argc, argv);
    failed += run_pipeline_views_tests(argc, argv);
    failed += run_trace_import_tests(argc, argv);
    return failed == 0 ? 0 : 1;
}
