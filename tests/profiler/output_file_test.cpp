// The checked, atomic output-file writer against the file system: what it refuses, what it
// leaves behind when a write fails (nothing but the old file), what it keeps (links, modes).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "batchscope/profiler/output_file.h"

namespace fs = std::filesystem;
using namespace batchscope::profiler;

namespace {

class OutputFile : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "bs-output-file-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        std::error_code ec;
        fs::permissions(dir_, fs::perms::owner_all, ec);
        fs::remove_all(dir_, ec);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    static std::string read(const std::string& p) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    static void put(const std::string& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }
    size_t entries() const {
        size_t n = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++n;
        return n;
    }
    // The message of the OutputFileError that writing `bytes` to `p` throws ("" if none).
    static std::string failure(const std::string& p, const std::string& bytes) {
        try {
            write_output_file(p, bytes);
        } catch (const OutputFileError& e) {
            return e.what();
        }
        return {};
    }
    fs::path dir_;
};

TEST_F(OutputFile, WritesANewFileAndLeavesNothingElse) {
    const std::string p = path("out.csv");
    EXPECT_EQ(check_output_path(p), "");
    write_output_file(p, [](std::ostream& o) {
        for (int i = 0; i < 100000; ++i) o << i << '\n';  // past the 64 KiB buffer
    });
    std::ostringstream want;
    for (int i = 0; i < 100000; ++i) want << i << '\n';
    EXPECT_EQ(read(p), want.str());
    EXPECT_EQ(entries(), 1u);
}

TEST_F(OutputFile, ReplacesARegularFileKeepingItsMode) {
    const std::string p = path("out.json");
    put(p, "old contents, longer than the new ones");
    ASSERT_EQ(::chmod(p.c_str(), 0640), 0);
    write_output_file(p, std::string_view("new"));
    EXPECT_EQ(read(p), "new");
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    EXPECT_EQ(entries(), 1u);
}

TEST_F(OutputFile, NeverTouchesTheUsersOwnTmpFile) {
    const std::string p = path("model.bsck");
    put(p + ".tmp", "the user's file");
    write_output_file(p, std::string_view("checkpoint"));
    EXPECT_EQ(read(p + ".tmp"), "the user's file");
    EXPECT_EQ(read(p), "checkpoint");
    EXPECT_EQ(entries(), 2u);
}

TEST_F(OutputFile, RefusesADeviceAndLeavesItADevice) {
    // As root, nodes of our own for the same devices: a writer that wrongly replaced them would
    // damage these copies, not the machine's.
    std::vector<std::string> devices{"/dev/null", "/dev/full"};
    if (::geteuid() == 0 && ::mknod(path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0 &&
        ::mknod(path("full").c_str(), S_IFCHR | 0666, makedev(1, 7)) == 0)
        devices = {path("null"), path("full")};
    for (const std::string& d : devices) {
        const char* dev = d.c_str();
        const std::string msg = failure(dev, "x");
        EXPECT_NE(msg.find(dev), std::string::npos) << msg;
        EXPECT_NE(msg.find("not a regular file"), std::string::npos) << msg;
        EXPECT_EQ(check_output_path(dev), msg);
        struct stat st {};
        ASSERT_EQ(::stat(dev, &st), 0);
        EXPECT_TRUE(S_ISCHR(st.st_mode)) << dev;
    }
}

TEST_F(OutputFile, RefusesAFifoAFolderAndAMissingFolder) {
    const std::string fifo = path("pipe");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_NE(failure(fifo, "x").find("not a regular file"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));

    EXPECT_NE(failure(dir_.string(), "x").find("is a folder"), std::string::npos);
    const std::string missing = path("no-such-folder/out.csv");
    const std::string msg = failure(missing, "x");
    EXPECT_NE(msg.find(missing), std::string::npos) << msg;
    EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
    EXPECT_EQ(entries(), 1u);  // the FIFO
}

TEST_F(OutputFile, FollowsALinkToARegularFileAndRefusesADanglingOne) {
    const std::string target = path("real.csv"), link = path("link.csv");
    put(target, "old");
    fs::create_symlink(target, link);
    write_output_file(link, std::string_view("new"));
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(read(target), "new");
    EXPECT_EQ(entries(), 2u);

    const std::string dangling = path("dangling.csv");
    fs::create_symlink(path("nowhere/x.csv"), dangling);
    EXPECT_NE(failure(dangling, "x").find("symbolic link to nothing"), std::string::npos);
    EXPECT_TRUE(fs::is_symlink(dangling));
    std::string device = "/dev/null";  // as root, a node of our own (see above)
    if (::geteuid() == 0 && ::mknod(path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) device = path("null");
    fs::create_symlink(device, path("to-device"));
    EXPECT_NE(failure(path("to-device"), "x").find("not a regular file"), std::string::npos);
}

TEST_F(OutputFile, AFailingBodyLeavesTheOldFile) {
    const std::string p = path("summary.md");
    put(p, "old");
    EXPECT_THROW(write_output_file(p, [](std::ostream& o) {
                     o << "partial";
                     throw std::runtime_error("the exporter failed");
                 }),
                 std::runtime_error);
    EXPECT_EQ(read(p), "old");
    EXPECT_EQ(entries(), 1u);
}

// A file size limit (ulimit -f) makes write() fail with EFBIG part-way: the old file stays, the
// partial one goes, the message says why.
TEST_F(OutputFile, AFileSizeLimitLeavesTheOldFileAndSaysSo) {
    const std::string p = path("trace.json");
    put(p, "old");
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    rlimit low = old;
    low.rlim_cur = 100000;
    auto* prev = std::signal(SIGXFSZ, SIG_IGN);  // else the kernel ends the process
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &low), 0);
    const std::string msg = failure(p, std::string(300000, 'x'));
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, prev);
    EXPECT_NE(msg.find(p), std::string::npos) << msg;
    EXPECT_NE(msg.find("file too large"), std::string::npos) << msg;
    EXPECT_EQ(read(p), "old");
    EXPECT_EQ(entries(), 1u);
}

// /dev/full: every write fails with ENOSPC, reported as a full disk.
TEST(FdOutputBufferTest, DevFullIsADiskFull) {
    const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    {
        FdOutputBuffer buf(fd, 4096);
        std::ostream out(&buf);
        out << std::string(10000, 'x');
        EXPECT_FALSE(buf.flush_all());
        EXPECT_EQ(buf.error(), ENOSPC);
    }
    ::close(fd);
    EXPECT_NE(write_error_cause(ENOSPC).find("disk full"), std::string::npos);
}

TEST_F(OutputFile, AReadOnlyFolderIsRefusedUpFront) {
    if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only folders";
    const std::string sub = path("ro");
    fs::create_directory(sub);
    ASSERT_EQ(::chmod(sub.c_str(), 0555), 0);
    const std::string msg = check_output_path(sub + "/out.csv");
    EXPECT_NE(msg.find("permission denied"), std::string::npos) << msg;
}

}  // namespace
