// Records iterations into a session file as fast as a training loop would (one per 0.5 ms)
// until it is killed. Prints "ready" once the first rows are committed.
#include <chrono>
#include <cstdio>
#include <thread>

#include "batchscope/profiler/clock.h"
#include "batchscope/store/session_recorder.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: store_kill_writer FILE\n");
        return 2;
    }
    batchscope::store::SessionMeta meta;
    meta.mode = "train";
    meta.model = "kill-test";
    batchscope::store::SessionRecorder rec(argv[1], meta);
    for (int64_t i = 0;; ++i) {
        batchscope::store::IterationRow r;
        r.iteration = i;
        r.start_ns = batchscope::profiler::now_ns();
        r.wall_ns = 500'000;
        rec.add(r);
        if (i == 1000) {
            std::printf("ready\n");
            std::fflush(stdout);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
}
