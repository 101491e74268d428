#pragma once
// Writing an output file (a checkpoint, a CSV, a Chrome trace, a summary, an export) so that
// nothing is lost and nothing is silently wrong:
// - only a regular file is ever replaced: a device (/dev/full, /dev/null), a FIFO, a socket or a
//   folder at the path is refused before anything is written;
// - a symbolic link is followed on purpose: the file it points to is replaced and the link stays
//   (a dangling link, or one to something that is not a regular file, is refused);
// - the data go to a new file beside the target (a unique name, created with O_EXCL, so that no
//   file of the user's is overwritten or consumed), are fsync'ed, closed (checked) and renamed
//   over the target: a reader sees the old file or the new one, never a part of it;
// - any failure (ENOSPC: "disk full", EFBIG: "file size limit", EACCES, EROFS, ...) removes the
//   temporary file, leaves the target as it was and throws OutputFileError naming the file and
//   the cause.
// A file that already exists keeps its permission bits.
#include <cstddef>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

namespace batchscope::profiler {

class OutputFileError : public std::runtime_error {
public:
    explicit OutputFileError(const std::string& what) : std::runtime_error(what) {}
};

// What an errno means to a user writing a file ("disk full" for ENOSPC, ...).
std::string write_error_cause(int err);

// Empty when `path` can be written as above (its folder exists and is writable; what is at the
// path, if anything, is a regular file or a link to one), else "PATH: why". Writes nothing: for
// checking output paths before a long run.
std::string check_output_path(const std::string& path);

// Writes what `body` puts in the stream to `path` as above. Throws OutputFileError; an exception
// thrown by `body` leaves the target untouched too and is rethrown as it is.
void write_output_file(const std::string& path, const std::function<void(std::ostream&)>& body);
void write_output_file(const std::string& path, std::string_view bytes);

// The stream buffer the writer uses: unbuffered by the kernel's standards (64 KiB at a time)
// over a file descriptor it does not own; the first failing write() is kept (error()) and every
// later write is refused. Public for the tests, which give it /dev/full.
class FdOutputBuffer final : public std::streambuf {
public:
    explicit FdOutputBuffer(int fd, size_t buffer_bytes = 64 * 1024);
    FdOutputBuffer(const FdOutputBuffer&) = delete;
    FdOutputBuffer& operator=(const FdOutputBuffer&) = delete;
    // Writes what is buffered; false (and error() set) when it could not.
    bool flush_all();
    int error() const noexcept { return error_; }  // errno of the first failure, 0 if none

protected:
    int_type overflow(int_type ch) override;
    int sync() override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;

private:
    bool write_out(const char* p, size_t n);
    int fd_;
    int error_ = 0;
    std::vector<char> buf_;
};

}  // namespace batchscope::profiler
