#include "batchscope/profiler/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace batchscope::profiler {
namespace {

std::string folder_of(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string name_of(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Where the data go: `path` itself, or the regular file a link at `path` points to. Empty (and
// `why` set) when the path cannot be written.
std::string resolve_target(const std::string& path, std::string& why, struct stat& target_st, bool& exists) {
    exists = false;
    if (path.empty()) {
        why = "no file name given";
        return {};
    }
    struct stat st {};
    std::string target = path;
    if (::lstat(path.c_str(), &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            char real[PATH_MAX];
            if (::stat(path.c_str(), &st) != 0 || ::realpath(path.c_str(), real) == nullptr) {
                why = "a symbolic link to nothing (" + write_error_cause(errno) + "): refusing to write through it";
                return {};
            }
            target = real;
        }
        if (S_ISDIR(st.st_mode)) {
            why = "is a folder, not a file";
            return {};
        }
        if (!S_ISREG(st.st_mode)) {
            why = "is not a regular file (a device, a FIFO or a socket): refusing to replace it";
            return {};
        }
        exists = true;
        target_st = st;
    } else if (errno != ENOENT) {
        why = write_error_cause(errno);
        return {};
    }
    const std::string dir = folder_of(target);
    struct stat dst {};
    if (::stat(dir.c_str(), &dst) != 0) {
        why = errno == ENOENT ? "the folder " + dir + " does not exist" : "the folder " + dir + ": " + write_error_cause(errno);
        return {};
    }
    if (!S_ISDIR(dst.st_mode)) {
        why = dir + " is not a folder";
        return {};
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        why = "cannot create files in the folder " + dir + ": " + write_error_cause(errno);
        return {};
    }
    return target;
}

// A new file beside `target`, never one that exists (O_EXCL).
int open_temporary(const std::string& target, std::string& tmp) {
    static std::atomic<unsigned> counter{0};
    const std::string base = folder_of(target) + "/." + name_of(target) + ".tmp-" + std::to_string(::getpid()) + "-";
    for (int attempt = 0; attempt < 100; ++attempt) {
        const auto salt = static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count());
        tmp = base + std::to_string(counter.fetch_add(1)) + "-" + std::to_string(salt % 1000000);
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    errno = EEXIST;
    return -1;
}

[[noreturn]] void fail(const std::string& path, const std::string& tmp, const std::string& what, int fd = -1) {
    if (fd >= 0) ::close(fd);
    if (!tmp.empty()) ::unlink(tmp.c_str());
    throw OutputFileError(path + ": " + what);
}

}  // namespace

std::string write_error_cause(int err) {
    switch (err) {
    case ENOSPC: return "disk full (no space left on the device)";
    case EDQUOT: return "disk quota exceeded";
    case EFBIG: return "file too large (the file size limit, ulimit -f, was reached)";
    case EACCES:
    case EPERM: return "permission denied";
    case EROFS: return "read-only file system";
    case EIO: return "input/output error";
    case ENOENT: return "no such file or folder";
    case ENOTDIR: return "a part of the path is not a folder";
    case EISDIR: return "is a folder";
    case ENAMETOOLONG: return "file name too long";
    case ELOOP: return "too many levels of symbolic links";
    default: return std::strerror(err);
    }
}

std::string check_output_path(const std::string& path) {
    std::string why;
    struct stat st {};
    bool exists = false;
    if (resolve_target(path, why, st, exists).empty()) return (path.empty() ? std::string("output file") : path) + ": " + why;
    return {};
}

void write_output_file(const std::string& path, const std::function<void(std::ostream&)>& body) {
    std::string why;
    struct stat st {};
    bool exists = false;
    const std::string target = resolve_target(path, why, st, exists);
    if (target.empty()) fail(path.empty() ? std::string("output file") : path, {}, why);
    std::string tmp;
    const int fd = open_temporary(target, tmp);
    if (fd < 0) fail(path, {}, "cannot create a file beside it: " + write_error_cause(errno));
    if (exists) (void)::fchmod(fd, st.st_mode & 07777);  // the file keeps its permissions
    {
        FdOutputBuffer buf(fd);
        std::ostream out(&buf);
        try {
            body(out);
        } catch (...) {
            ::close(fd);
            ::unlink(tmp.c_str());
            throw;
        }
        if (!buf.flush_all() || buf.error() != 0) fail(path, tmp, "write failed: " + write_error_cause(buf.error()), fd);
        if (!out) fail(path, tmp, "write failed", fd);
    }
    if (::fsync(fd) != 0 && errno != EINVAL) fail(path, tmp, "write failed: " + write_error_cause(errno), fd);
    if (::close(fd) != 0) fail(path, tmp, "write failed: " + write_error_cause(errno));
    if (::rename(tmp.c_str(), target.c_str()) != 0)
        fail(path, tmp, "cannot move the new file into place: " + write_error_cause(errno));
    // The rename itself survives a crash once the folder is synced (best effort: some file
    // systems refuse to sync a folder).
    const int dfd = ::open(folder_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
}

void write_output_file(const std::string& path, std::string_view bytes) {
    write_output_file(path, [bytes](std::ostream& o) { o.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

FdOutputBuffer::FdOutputBuffer(int fd, size_t buffer_bytes) : fd_(fd), buf_(buffer_bytes < 16 ? 16 : buffer_bytes) {
    setp(buf_.data(), buf_.data() + buf_.size());
}

bool FdOutputBuffer::write_out(const char* p, size_t n) {
    if (error_ != 0) return false;
    while (n > 0) {
        const ssize_t w = ::write(fd_, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            error_ = w < 0 ? errno : EIO;
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

bool FdOutputBuffer::flush_all() {
    const size_t n = static_cast<size_t>(pptr() - pbase());
    setp(buf_.data(), buf_.data() + buf_.size());
    return write_out(buf_.data(), n);
}

FdOutputBuffer::int_type FdOutputBuffer::overflow(int_type ch) {
    if (!flush_all()) return traits_type::eof();
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
    return ch;
}

int FdOutputBuffer::sync() { return flush_all() ? 0 : -1; }

std::streamsize FdOutputBuffer::xsputn(const char* s, std::streamsize n) {
    const auto room = static_cast<std::streamsize>(epptr() - pptr());
    if (n <= room) {
        std::memcpy(pptr(), s, static_cast<size_t>(n));
        pbump(static_cast<int>(n));
        return n;
    }
    if (!flush_all()) return 0;
    if (n < static_cast<std::streamsize>(buf_.size())) {
        std::memcpy(pptr(), s, static_cast<size_t>(n));
        pbump(static_cast<int>(n));
        return n;
    }
    return write_out(s, static_cast<size_t>(n)) ? n : 0;
}

}  // namespace batchscope::profiler
