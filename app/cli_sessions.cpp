// batchscope-cli sessions ...: browse, compare, edit, export and import saved sessions.
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <regex>
#include <nlohmann/json.hpp>

#include "batchscope/analysis/csv_export.h"
#include "batchscope/analysis/session_trace.h"
#include "batchscope/profiler/output_file.h"
#include "batchscope/store/compare.h"
#include "batchscope/store/session_store.h"
#include "cli_commands.h"
#include "cli_session_format.h"

namespace batchscope::cli {
namespace {

using store::SessionStore;
using store::StoreError;

struct Args {
    std::string db = SessionStore::default_path();
    bool json = false;
    store::SessionFilter filter;
    std::vector<int64_t> ids;
    int64_t id = 0;
    std::string text, format = "session", out, what = "auto";
    bool remove = false;
    bool kernels = false, copies = false;
    int top = 20;
};

void write_checked(const std::string& path, const std::function<void(std::ostream&)>& body) {
    try {
        profiler::write_output_file(path, body);
    } catch (const profiler::OutputFileError& e) {
        throw StoreError(std::string(e.what()) + " (nothing was written)");
    }
}

// read_only: commands that only read (list, show, compare, export) open the file read-only, so
// that they never create a file, write a schema into an empty one or leave -wal/-shm files beside
// a file in rollback mode (an exported one) or in WAL mode (docs/SESSIONS.md, "Reading without
// writing"); a file of an older schema is migrated first, as
// any opening for writing does.
int with_store(const Args& a, bool read_only, const std::function<void(SessionStore&)>& f) {
    try {
        std::unique_ptr<SessionStore> s;
        try {
            s = std::make_unique<SessionStore>(a.db, read_only);
        } catch (const store::StoreNeedsMigration&) {
            s = std::make_unique<SessionStore>(a.db, false);
        }
        f(*s);
        return kExitOk;
    } catch (const StoreError& e) {
        std::cerr << "batchscope-cli sessions: " << e.what() << "\n";
        return kExitRunFailed;
    }
}

// An export never replaces the session database it reads from, nor a database that is open
// elsewhere (its -wal/-shm beside it: the dashboard or a run may be writing to it): replacing it
// would lose every other session, and a live writer's log would land beside another file.
void refuse_live_database(const SessionStore& s, const std::string& out) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(out, ec)) return;
    if (fs::equivalent(out, s.path(), ec))
        throw StoreError(out + ": is the session database being read; choose another file (nothing was written)");
    if (fs::exists(out + "-wal", ec) || fs::exists(out + "-shm", ec))
        throw StoreError(out + ": is a session database in use (its -wal/-shm files are beside it); choose another file "
                               "(nothing was written)");
}

// `sessions export --format session`: like the other formats, an existing regular file is
// replaced whole (the session file is made beside it under a unique name, then renamed over it;
// a link is followed), and a device, FIFO or folder at the path is refused.
void export_session_file(SessionStore& s, int64_t id, const std::string& out) {
    namespace fs = std::filesystem;
    if (const std::string why = profiler::check_output_path(out); !why.empty())
        throw StoreError(why + " (nothing was written)");
    std::error_code ec;
    fs::path target = out;
    if (fs::is_symlink(out, ec)) {  // false (and ec set) when nothing is there yet
        target = fs::canonical(out, ec);
        if (ec) throw StoreError(out + ": " + ec.message() + " (nothing was written)");
    }
    refuse_live_database(s, target.string());
    const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp-" + std::to_string(getpid()));
    try {
        s.export_session(id, tmp.string());  // refuses a name that exists
    } catch (...) {
        fs::remove(tmp, ec);  // a failure after the copy (the journal-mode switch) leaves no temporary file
        throw;
    }
    if (fs::exists(target, ec)) fs::permissions(tmp, fs::status(target, ec).permissions(), ec);  // keep the old mode
    fs::rename(tmp, target, ec);
    if (ec) {
        fs::remove(tmp);
        throw StoreError(out + ": could not replace it: " + ec.message() + " (nothing was written)");
    }
}

void add_id(CLI::App* c, Args& a) { c->add_option("id", a.id, "Session id (see `sessions list`)")->required(); }

}  // namespace

Runner add_sessions_command(CLI::App& app) {
    auto a = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("sessions", "Saved sessions: list, show, compare, rename, tag, note, delete, export, import");
    cmd->add_option("--db", a->db, "Session database file")->capture_default_str();
    cmd->require_subcommand(1);
    // `sessions list --db F` as well as `sessions --db F list`: the subcommands (which inherit
    // this) hand options they do not know to the group.
    cmd->fallthrough();

    auto* list = cmd->add_subcommand("list", "List saved sessions");
    list->add_option("--mode", a->filter.mode, "train or infer");
    list->add_option("--model", a->filter.model, "Model name contains");
    list->add_option("--dataset", a->filter.dataset, "Dataset name contains");
    list->add_option("--tag", a->filter.tag, "Has this tag");
    // A date the prefix comparison understands: YYYY, YYYY-MM or YYYY-MM-DD (not "notadate", which
    // matched nothing and looked like "no sessions").
    const CLI::Validator iso_date(
        [](std::string& v) -> std::string {
            static const std::regex date(R"(\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?)");
            return std::regex_match(v, date) ? std::string() : "not a date: " + v + " (use YYYY-MM-DD, YYYY-MM or YYYY)";
        },
        "DATE");
    list->add_option("--since", a->filter.since, "Created on or after (YYYY-MM-DD)")->check(iso_date);
    list->add_option("--until", a->filter.until, "Created on or before (YYYY-MM-DD)")->check(iso_date);
    list->add_flag("--json", a->json, "JSON output");

    auto* show = cmd->add_subcommand("show", "Show one session: configuration, environment, epochs, knob changes");
    add_id(show, *a);
    show->add_flag("--json", a->json, "JSON output");
    show->add_flag("--kernels", a->kernels,
                   "The kernel table instead (per kernel name: calls, total, mean, max, share), from the session's "
                   "stored events (imported traces keep theirs)");
    show->add_flag("--copies", a->copies,
                   "The copy table instead (per direction and host memory: calls, bytes, time, achieved GB/s)");
    show->add_option("--top", a->top, "With --kernels: the first N kernels by total time (0: all)")->capture_default_str();

    auto* compare = cmd->add_subcommand("compare", "Compare two or more sessions side by side");
    compare->add_option("ids", a->ids, "Session ids (the first is the baseline)")->expected(0, 4096);
    compare->add_option("--tag", a->filter.tag, "Also every session with this tag (the ranks of one import-trace)");
    compare->add_flag("--json", a->json, "JSON output");

    auto* rename = cmd->add_subcommand("rename", "Rename a session");
    add_id(rename, *a);
    rename->add_option("name", a->text, "New name")->required();
    auto* tag = cmd->add_subcommand("tag", "Tag a session (or --remove a tag)");
    add_id(tag, *a);
    tag->add_option("tag", a->text, "Tag")->required();
    tag->add_flag("--remove", a->remove, "Remove the tag instead");
    auto* note = cmd->add_subcommand("note", "Set a session's note");
    add_id(note, *a);
    note->add_option("text", a->text, "Note text")->required();
    auto* del = cmd->add_subcommand("delete", "Delete a session");
    add_id(del, *a);

    auto* exp = cmd->add_subcommand("export", "Export a session as a standalone session file, CSV, JSON or a Chrome trace");
    add_id(exp, *a);
    exp->add_option("--format", a->format,
                    "session (a file others can import), csv, json or chrome (a trace for Perfetto / chrome://tracing, "
                    "from the events saved with `train --save-events`, else rebuilt from the iterations)")
        ->check(CLI::IsMember({"session", "csv", "json", "chrome"}))
        ->capture_default_str();
    exp->add_option("--what", a->what,
                    "For csv: iterations, epochs or requests; auto: requests of an inference session, else iterations")
        ->check(CLI::IsMember({"auto", "iterations", "epochs", "requests"}))
        ->capture_default_str();
    exp->add_option("-o,--out", a->out, "Output file (csv/json/chrome: - for standard output)")->required();

    auto* imp = cmd->add_subcommand("import", "Import every session of a session file");
    imp->add_option("file", a->text, "Session file (from `sessions export --format session`)")->required();

    return [=]() -> int {
        Args& x = *a;
        if (list->parsed()) {
            // Nothing saved yet (no file, or an empty one): an empty list, and no file made.
            std::error_code ec;
            // (Not when the file cannot be looked at, a folder without permission say: the store
            // then says why.)
            const bool missing = !std::filesystem::exists(x.db, ec) && !ec;
            if (missing || (std::filesystem::is_regular_file(x.db, ec) && std::filesystem::file_size(x.db, ec) == 0)) {
                print_session_list({}, x.json);
                return kExitOk;
            }
        }
        if (list->parsed())
            return with_store(x, true, [&](SessionStore& s) { print_session_list(s.list(x.filter), x.json); });
        if (show->parsed())
            return with_store(x, true, [&](SessionStore& s) {
                if (x.kernels || x.copies) print_session_tables(s, x.id, x.kernels, x.copies, x.json, x.top);
                else print_session(s, x.id, x.json);
            });
        if (compare->parsed() && x.filter.tag.empty() && x.ids.size() < 2) {
            std::cerr << "batchscope-cli sessions compare: give at least two session ids, or --tag TAG\n";
            return kExitUsage;
        }
        if (compare->parsed())
            return with_store(x, true, [&](SessionStore& s) {
                std::vector<int64_t> ids = x.ids;
                if (!x.filter.tag.empty())
                    for (const auto& i : s.list(store::SessionFilter{.tag = x.filter.tag})) ids.push_back(i.id);
                print_comparison(store::compare_sessions(s, ids), x.json);
            });
        if (rename->parsed()) return with_store(x, false, [&](SessionStore& s) { s.rename(x.id, x.text); });
        if (tag->parsed())
            return with_store(x, false, [&](SessionStore& s) {
                if (x.remove) s.remove_tag(x.id, x.text);
                else s.add_tag(x.id, x.text);
            });
        if (note->parsed()) return with_store(x, false, [&](SessionStore& s) { s.set_note(x.id, x.text); });
        if (del->parsed())
            return with_store(x, false, [&](SessionStore& s) {
                s.remove(x.id);
                std::printf("deleted session %lld\n", static_cast<long long>(x.id));
            });
        if (exp->parsed())
            // The session format copies through this store's own connection (ATTACH): read-write.
            return with_store(x, x.format != "session", [&](SessionStore& s) {
                if (x.format == "session") {
                    export_session_file(s, x.id, x.out);
                    std::printf("exported session %lld to %s\n", static_cast<long long>(x.id), x.out.c_str());
                    return;
                }
                if (!s.info(x.id)) throw StoreError("no session " + std::to_string(x.id) + " in " + s.path());
                auto body = [&](std::ostream& os) {
                    if (x.format == "csv") {
                        analysis::write_session_csv(s, x.id, *analysis::csv_table_from_name(x.what), os);
                    } else if (x.format == "chrome") {
                        for (const std::string& line : analysis::write_session_trace(s, x.id, os))
                            std::cerr << "batchscope-cli sessions: " << line << "\n";
                    } else {
                        os << session_json(s, x.id).dump(2) << "\n";
                    }
                };
                // A file is written whole or not at all (profiler/output_file.h); a failed write
                // fails the command, naming the file and the cause.
                if (x.out != "-") {
                    refuse_live_database(s, x.out);
                    return write_checked(x.out, body);
                }
                body(std::cout);
                if (!std::cout.flush()) throw StoreError("standard output: write failed: " + profiler::write_error_cause(errno));
            });
        if (imp->parsed())
            return with_store(x, false, [&](SessionStore& s) {
                auto ids = s.import_file(x.text);
                std::printf("imported %zu session(s) from %s:", ids.size(), x.text.c_str());
                for (auto id : ids) std::printf(" %lld", static_cast<long long>(id));
                std::printf("\n");
            });
        return kExitUsage;
    };
}

}  // namespace batchscope::cli
