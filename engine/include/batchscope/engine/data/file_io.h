#pragma once
// The real reads under the storage profiles: whole files and ranges, through the page cache or
// around it (O_DIRECT, with a reused aligned bounce buffer), and a read-only memory map.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace batchscope::engine::data {

inline constexpr size_t kDirectAlign = 4096;

// A growable buffer aligned for O_DIRECT. get(n) allocates only when n exceeds what it holds.
class AlignedBuffer {
public:
    AlignedBuffer() = default;
    ~AlignedBuffer();
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    uint8_t* get(size_t n);

private:
    uint8_t* p_ = nullptr;
    size_t cap_ = 0;
};

// A byte buffer that grows without zero-filling and never shrinks its capacity: reading files of
// varying sizes into it allocates only when a file is larger than any before.
class ByteBuffer {
public:
    uint8_t* data() noexcept { return p_.get(); }
    const uint8_t* data() const noexcept { return p_.get(); }
    size_t size() const noexcept { return size_; }
    size_t capacity() const noexcept { return cap_; }
    void resize(size_t n);  // contents up to min(old size, n) are kept; new bytes are undefined
    operator std::span<const uint8_t>() const noexcept { return {p_.get(), size_}; }

private:
    std::unique_ptr<uint8_t[]> p_;
    size_t size_ = 0, cap_ = 0;
};

// An open file descriptor, closed on destruction.
class FileHandle {
public:
    FileHandle() = default;
    explicit FileHandle(int fd) noexcept : fd_(fd) {}
    ~FileHandle();
    FileHandle(FileHandle&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    FileHandle& operator=(FileHandle&& o) noexcept;
    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

// A whole file mapped read-only (empty when the file is empty). Throws DatasetError.
class MappedFile {
public:
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    const uint8_t* data() const noexcept { return data_; }
    size_t size() const noexcept { return size_; }
    int fd() const noexcept { return fd_.get(); }

private:
    FileHandle fd_;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

// Opens `path` with O_DIRECT; an invalid handle (errno set) when the file system refuses it.
FileHandle open_direct(const std::string& path);

// Reads the whole file at `path` into `out` (resized to the file's size; its capacity is kept).
// `direct`: with O_DIRECT through `bounce` (falls back to a normal read where O_DIRECT is
// refused). Throws SampleError naming the path when it is missing, unreadable or larger than
// `max_bytes`.
void read_whole_file(const char* path, bool direct, uint64_t max_bytes, ByteBuffer& out, AlignedBuffer& bounce);
// The same for `name` relative to the open folder `dirfd` (a shorter path walk per file).
void read_whole_file_at(int dirfd, const char* name, bool direct, uint64_t max_bytes, ByteBuffer& out,
                        AlignedBuffer& bounce);
// A folder opened for openat() (O_PATH); throws DatasetError naming it.
FileHandle open_folder(const std::string& path);

// Reads `n` bytes at `offset` of the O_DIRECT descriptor `fd` into `dst` through `bounce`.
// Throws SampleError naming `path` on a short or failed read.
void pread_direct(int fd, uint64_t offset, size_t n, uint8_t* dst, AlignedBuffer& bounce, const std::string& path);

// Asks the kernel to drop the file's cached pages (clean pages only; no privileges needed).
void drop_cached_pages(int fd) noexcept;

}  // namespace batchscope::engine::data
