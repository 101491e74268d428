#include "batchscope/engine/data/file_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <new>

#include "batchscope/engine/data/sample_error.h"

namespace batchscope::engine::data {
namespace {

size_t round_up(size_t n) { return (n + kDirectAlign - 1) / kDirectAlign * kDirectAlign; }

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

AlignedBuffer::~AlignedBuffer() { std::free(p_); }

uint8_t* AlignedBuffer::get(size_t n) {
    if (n <= cap_ && p_) return p_;
    std::free(p_);
    p_ = nullptr;
    cap_ = 0;
    void* p = nullptr;
    const size_t want = round_up(n == 0 ? 1 : n);
    if (posix_memalign(&p, kDirectAlign, want) != 0) throw std::bad_alloc();
    p_ = static_cast<uint8_t*>(p);
    cap_ = want;
    return p_;
}

void ByteBuffer::resize(size_t n) {
    if (n > cap_) {
        const size_t cap = std::max(n, cap_ + cap_ / 2);
        auto p = std::make_unique_for_overwrite<uint8_t[]>(cap);
        if (size_) std::memcpy(p.get(), p_.get(), size_);
        p_ = std::move(p);
        cap_ = cap;
    }
    size_ = n;
}

FileHandle::~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
}

FileHandle& FileHandle::operator=(FileHandle&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

MappedFile::MappedFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (!fd_) throw DatasetError(path + ": cannot open: " + errno_text(errno));
    struct stat st {};
    if (fstat(fd_.get(), &st) != 0) throw DatasetError(path + ": cannot stat: " + errno_text(errno));
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return;
    void* p = mmap(nullptr, size_, PROT_READ, MAP_SHARED | MAP_POPULATE, fd_.get(), 0);
    if (p == MAP_FAILED) throw DatasetError(path + ": cannot map into memory: " + errno_text(errno));
    data_ = static_cast<const uint8_t*>(p);
}

MappedFile::~MappedFile() {
    if (data_) munmap(const_cast<uint8_t*>(data_), size_);
}

FileHandle open_direct(const std::string& path) {
    return FileHandle(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT));
}

FileHandle open_folder(const std::string& path) {
    FileHandle fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw DatasetError(path + ": cannot open the folder: " + errno_text(errno));
    return fd;
}

void read_whole_file(const char* path, bool direct, uint64_t max_bytes, ByteBuffer& out, AlignedBuffer& bounce) {
    read_whole_file_at(AT_FDCWD, path, direct, max_bytes, out, bounce);
}

namespace {

// Reads until end of file without asking the size first (one system call fewer per file).
void read_to_end(int fd, const char* path, uint64_t max_bytes, ByteBuffer& out) {
    size_t got = 0;
    out.resize(std::max<size_t>(out.capacity(), 64 * 1024));
    for (;;) {
        if (got == out.size()) {
            if (got > max_bytes)
                throw SampleError(path, "file is larger than the limit of " + std::to_string(max_bytes) + " bytes");
            out.resize(got * 2);
        }
        const ssize_t r = ::read(fd, out.data() + got, out.size() - got);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw SampleError(path, "read failed: " + errno_text(errno));
        }
        if (r == 0) break;
        got += static_cast<size_t>(r);
    }
    if (got > max_bytes)
        throw SampleError(path, "file of " + std::to_string(got) + " bytes is larger than the limit of " +
                                    std::to_string(max_bytes) + " bytes");
    out.resize(got);
}

}  // namespace

void read_whole_file_at(int dirfd, const char* path, bool direct, uint64_t max_bytes, ByteBuffer& out,
                        AlignedBuffer& bounce) {
    FileHandle fd(direct ? ::openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_DIRECT) : -1);
    const bool is_direct = static_cast<bool>(fd);
    if (!fd) fd = FileHandle(::openat(dirfd, path, O_RDONLY | O_CLOEXEC));
    if (!fd) throw SampleError(path, "cannot open: " + errno_text(errno));
    if (!is_direct) return read_to_end(fd.get(), path, max_bytes, out);
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) throw SampleError(path, "cannot stat: " + errno_text(errno));
    if (!S_ISREG(st.st_mode)) throw SampleError(path, "not a regular file");
    const auto size = static_cast<uint64_t>(st.st_size);
    if (size > max_bytes)
        throw SampleError(path, "file of " + std::to_string(size) + " bytes is larger than the limit of " +
                                    std::to_string(max_bytes) + " bytes");
    const size_t want = round_up(static_cast<size_t>(size));
    uint8_t* dst = bounce.get(want);
    size_t got = 0;
    while (got < size) {
        const ssize_t r = ::pread(fd.get(), dst + got, want - got, static_cast<off_t>(got));
        if (r < 0) {
            if (errno == EINTR) continue;
            throw SampleError(path, "read failed: " + errno_text(errno));
        }
        if (r == 0) break;
        got += static_cast<size_t>(r);
    }
    if (got < size) throw SampleError(path, "file shrank while it was read");
    out.resize(static_cast<size_t>(size));
    if (size > 0) std::memcpy(out.data(), dst, static_cast<size_t>(size));
}

void pread_direct(int fd, uint64_t offset, size_t n, uint8_t* dst, AlignedBuffer& bounce, const std::string& path) {
    const uint64_t first = offset / kDirectAlign * kDirectAlign;
    const size_t skip = static_cast<size_t>(offset - first);
    const size_t want = round_up(skip + n);
    uint8_t* buf = bounce.get(want);
    size_t got = 0;
    while (got < skip + n) {
        const ssize_t r = ::pread(fd, buf + got, want - got, static_cast<off_t>(first + got));
        if (r < 0) {
            if (errno == EINTR) continue;
            throw SampleError(path, "direct read failed: " + errno_text(errno));
        }
        if (r == 0) throw SampleError(path, "file is shorter than its header says");
        got += static_cast<size_t>(r);
    }
    std::memcpy(dst, buf + skip, n);
}

void drop_cached_pages(int fd) noexcept {
    if (fd >= 0) posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

}  // namespace batchscope::engine::data
