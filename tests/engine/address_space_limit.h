#pragma once
// Runs a piece of a test in a child process whose address space leaves about 1 GiB more than the
// test process uses now, so that code which would allocate what a lying file header claims gets
// bad_alloc instead of succeeding on an overcommitting machine.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

namespace bs_test {

// The child's exit status: what `body` returned, 3 if the limit could not be set, -1 if the
// child could not be started or did not exit normally.
inline int exit_status_with_1gib_headroom(const std::function<int()>& body) {
    const pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        long vm_kib = 0;
        std::ifstream status("/proc/self/status");
        for (std::string line; std::getline(status, line);)
            if (line.rfind("VmSize:", 0) == 0) vm_kib = std::strtol(line.c_str() + 7, nullptr, 10);
        const rlim_t limit = static_cast<rlim_t>(vm_kib + (1L << 20)) * 1024;
        const rlimit rl{limit, limit};
        if (vm_kib <= 0 || setrlimit(RLIMIT_AS, &rl) != 0) _exit(3);
        _exit(body());
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

}  // namespace bs_test
