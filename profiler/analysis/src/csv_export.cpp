#include "batchscope/analysis/csv_export.h"

#include <charconv>
#include <string>

#include "batchscope/store/store_error.h"

namespace batchscope::analysis {
namespace {

// std::to_chars, not printf: the dashboard runs under the user's locale (a decimal comma in
// some), and the CLI and the dashboard must write the same bytes.

// Milliseconds with microsecond resolution.
void put_ms(std::ostream& out, int64_t ns) {
    char buf[48];
    buf[0] = ',';
    const auto r = std::to_chars(buf + 1, buf + sizeof buf, static_cast<double>(ns) / 1e6, std::chars_format::fixed, 6);
    out.write(buf, r.ptr - buf);
}

// The shortest text that reads back as the same number.
std::string number(double v) {
    char buf[40];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// Six significant digits, as the loss has always been written.
std::string six_digits(double v) {
    char buf[40];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6);
    return std::string(buf, r.ptr);
}

}  // namespace

void write_iteration_csv(std::ostream& out, std::span<const profiler::IterationSample> iterations) {
    out << "iteration,epoch,batch_size,start_ms,wall_ms,data_wait_ms,h2d_ms,compute_ms,comm_ms,d2h_ms,other_gpu_ms,host_ms,loss,queue_depth\n";
    const int64_t origin = iterations.empty() ? 0 : iterations.front().start_ns;
    for (const profiler::IterationSample& it : iterations) {
        out << it.iteration << ',' << it.epoch << ',' << it.batch_size;
        put_ms(out, it.start_ns - origin);
        const profiler::Breakdown& b = it.breakdown;
        for (int64_t v : {b.wall_ns, b.data_wait_ns, b.h2d_ns, b.compute_ns, b.comm_ns, b.d2h_ns, b.other_gpu_ns, b.host_ns})
            put_ms(out, v);
        out << ',' << six_digits(static_cast<double>(it.loss)) << ',' << it.queue_depth << '\n';
    }
}

void write_request_csv(std::ostream& out, std::span<const store::RequestRow> requests) {
    out << "request_id,batch_size,scheduled_ms,issued_ms,queue_ms,h2d_ms,compute_ms,d2h_ms,latency_ms,correct\n";
    const int64_t origin = requests.empty() ? 0 : requests.front().scheduled_ns;
    for (const store::RequestRow& r : requests) {
        out << r.request_id << ',' << r.batch_size;
        for (int64_t v : {r.scheduled_ns - origin, r.issued_ns - origin, r.queue_ns, r.h2d_ns, r.compute_ns, r.d2h_ns,
                          r.latency_ns})
            put_ms(out, v);
        out << ',';
        if (r.correct >= 0) out << r.correct;
        out << '\n';
    }
}

void write_epoch_csv(std::ostream& out, std::span<const store::EpochRow> epochs) {
    out << "epoch,train_loss,test_accuracy,samples_per_s,steady_samples_per_s,wall_s,samples,iterations\n";
    for (const store::EpochRow& e : epochs)
        out << e.epoch << ',' << number(e.train_loss) << ',' << (e.test_accuracy < 0 ? std::string() : number(e.test_accuracy))
            << ',' << number(e.samples_per_s) << ',' << number(e.steady_samples_per_s) << ',' << number(e.wall_s) << ','
            << e.samples << ',' << e.iterations << '\n';
}

std::vector<profiler::IterationSample> iteration_samples(const std::vector<store::IterationRow>& rows) {
    std::vector<profiler::IterationSample> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        profiler::IterationSample s;
        s.iteration = r.iteration;
        s.epoch = r.epoch;
        s.batch_size = r.batch_size;
        s.start_ns = r.start_ns;
        s.end_ns = r.start_ns + r.wall_ns;
        s.breakdown = {r.wall_ns, r.compute_ns, r.h2d_ns, r.d2h_ns, r.data_wait_ns, r.host_ns, r.comm_ns, r.other_gpu_ns};
        s.loss = static_cast<float>(r.loss);
        s.queue_depth = r.queue_depth;
        out.push_back(s);
    }
    return out;
}

std::optional<CsvTable> csv_table_from_name(std::string_view name) {
    if (name == "auto") return CsvTable::Auto;
    if (name == "iterations") return CsvTable::Iterations;
    if (name == "epochs") return CsvTable::Epochs;
    if (name == "requests") return CsvTable::Requests;
    return std::nullopt;
}

void write_session_csv(store::SessionStore& st, int64_t id, CsvTable table, std::ostream& out) {
    const auto info = st.info(id);
    if (!info) throw store::StoreError("no session " + std::to_string(id) + " in " + st.path());
    if (table == CsvTable::Auto) table = info->mode == "infer" ? CsvTable::Requests : CsvTable::Iterations;
    switch (table) {
        case CsvTable::Requests: write_request_csv(out, st.requests(id)); return;
        case CsvTable::Epochs: write_epoch_csv(out, st.epochs(id)); return;
        case CsvTable::Auto:
        case CsvTable::Iterations: write_iteration_csv(out, iteration_samples(st.iterations(id))); return;
    }
}

}  // namespace batchscope::analysis
