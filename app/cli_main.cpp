// batchscope-cli: the headless front end of Batchscope.
#include <csignal>
#include <iostream>

#include "cli_commands.h"

int main(int argc, char** argv) {
    using namespace batchscope::cli;
    // A file size limit (ulimit -f) then fails the write, which is reported with the file's name,
    // instead of killing the process (SIGXFSZ's default) half-way through writing it.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"Batchscope: where the time of ML training goes (headless command line)", "batchscope-cli"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "batchscope-cli 0.1.0");
    Runner train = add_train_command(app);
    Runner devices = add_devices_command(app);
    Runner make_imagefolder = add_make_imagefolder_command(app);
    Runner sessions = add_sessions_command(app);
    Runner infer = add_infer_command(app);
    Runner sweep = add_sweep_command(app);
    Runner presets = add_presets_command(app);
    Runner import_trace = add_import_trace_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    if (app.got_subcommand("train")) return train();
    if (app.got_subcommand("devices")) return devices();
    if (app.got_subcommand("make-imagefolder")) return make_imagefolder();
    if (app.got_subcommand("sessions")) return sessions();
    if (app.got_subcommand("infer")) return infer();
    if (app.got_subcommand("sweep")) return sweep();
    if (app.got_subcommand("presets")) return presets();
    if (app.got_subcommand("import-trace")) return import_trace();
    return kExitUsage;
}
