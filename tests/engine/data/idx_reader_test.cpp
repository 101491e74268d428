#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "address_space_limit.h"
#include "batchscope/engine/dataset_error.h"
#include "batchscope/engine/idx_reader.h"
#include "batchscope/engine/image_dataset.h"
#include "idx_fixture.h"

using namespace batchscope::engine;
using bs_test::idx_bytes;
using bs_test::TempDir;

namespace {
// The message of the DatasetError that `f` throws, or "" if none.
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const DatasetError& e) {
        return e.what();
    }
    return {};
}
}  // namespace

TEST(IdxReader, ReadsGzippedAndPlainFiles) {
    TempDir d;
    std::vector<uint8_t> data(2 * 3 * 4);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
    bs_test::write_gz(d.file("a.gz"), idx_bytes({2, 3, 4}, data));
    bs_test::write_plain(d.file("a.idx"), idx_bytes({2, 3, 4}, data));
    for (const char* name : {"a.gz", "a.idx"}) {
        IdxArray a = read_idx_u8(d.file(name));
        EXPECT_EQ(a.dims, (std::vector<uint32_t>{2, 3, 4}));
        EXPECT_EQ(a.data, data);
    }
}

TEST(IdxReader, MissingFileNamesThePath) {
    TempDir d;
    const std::string msg = error_of([&] { read_idx_u8(d.file("nope.gz")); });
    EXPECT_NE(msg.find("nope.gz"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
}

TEST(IdxReader, WrongMagicIsRejected) {
    TempDir d;
    bs_test::write_gz(d.file("m.gz"), {'P', 'K', 3, 4, 0, 0, 0, 1, 9});
    const std::string msg = error_of([&] { read_idx_u8(d.file("m.gz")); });
    EXPECT_NE(msg.find("m.gz"), std::string::npos);
    EXPECT_NE(msg.find("not an IDX file"), std::string::npos) << msg;
}

TEST(IdxReader, OtherElementTypeIsRejected) {
    TempDir d;
    auto b = idx_bytes({1}, {1});
    b[2] = 0x0D;  // float
    bs_test::write_gz(d.file("f.gz"), b);
    EXPECT_NE(error_of([&] { read_idx_u8(d.file("f.gz")); }).find("element type 13"), std::string::npos);
}

TEST(IdxReader, TruncatedDataIsRejected) {
    TempDir d;
    auto b = idx_bytes({10, 28, 28}, std::vector<uint8_t>(10 * 784, 7));
    b.resize(b.size() - 100);
    bs_test::write_gz(d.file("t.gz"), b);
    const std::string msg = error_of([&] { read_idx_u8(d.file("t.gz")); });
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    EXPECT_NE(msg.find("t.gz"), std::string::npos);
}

TEST(IdxReader, TrailingBytesAreRejected) {
    TempDir d;
    auto b = idx_bytes({4}, {1, 2, 3, 4});
    b.push_back(9);
    bs_test::write_gz(d.file("x.gz"), b);
    EXPECT_NE(error_of([&] { read_idx_u8(d.file("x.gz")); }).find("unexpected bytes"), std::string::npos);
}

// An image file whose header claims one dimension (a label file's type): said as such, not only
// as "unexpected bytes".
TEST(IdxReader, AHeaderOfTheWrongTypeIsNamed) {
    TempDir d;
    auto b = idx_bytes({10, 28, 28}, std::vector<uint8_t>(10 * 784, 7));
    b[3] = 1;  // 1 dimension: 10 bytes of data, then what was the rest of the header and the images
    bs_test::write_gz(d.file("w.gz"), b);
    const std::string msg = error_of([&] { read_idx_u8(d.file("w.gz")); });
    EXPECT_NE(msg.find("the header describes 1 dimension(s) (10, 10 bytes)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("a wrong dimension count"), std::string::npos) << msg;
}

TEST(IdxReader, TruncatedHeaderAndEmptyFile) {
    TempDir d;
    bs_test::write_gz(d.file("e.gz"), {});
    EXPECT_NE(error_of([&] { read_idx_u8(d.file("e.gz")); }).find("empty"), std::string::npos);
    bs_test::write_gz(d.file("h.gz"), {0, 0, 8, 3, 0, 0});
    EXPECT_NE(error_of([&] { read_idx_u8(d.file("h.gz")); }).find("truncated IDX header"), std::string::npos);
}

TEST(IdxReader, CorruptGzipStreamIsRejected) {
    TempDir d;
    std::vector<uint8_t> data(5000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31);
    bs_test::write_gz(d.file("c.gz"), idx_bytes({5000}, data));
    // Flip bytes in the middle of the deflate stream.
    std::FILE* f = std::fopen(d.file("c.gz").c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 40, SEEK_SET);
    const uint8_t junk[16] = {0xff, 0x00, 0xff, 0x13, 0x37, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xfe, 0xfd, 0xfc};
    std::fwrite(junk, 1, sizeof junk, f);
    std::fclose(f);
    const std::string msg = error_of([&] { read_idx_u8(d.file("c.gz")); });
    EXPECT_NE(msg.find("c.gz"), std::string::npos) << msg;
    EXPECT_FALSE(msg.empty());
}

TEST(FashionMnist, LoadsAFolderAndAppliesLimits) {
    TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 50, 20);
    FashionMnist f = load_fashion_mnist(d.path, 30, 0);
    EXPECT_EQ(f.train.count, 30);
    EXPECT_EQ(f.test.count, 20);
    EXPECT_EQ(f.train.pixels.size(), 30u * 784);
    EXPECT_EQ(f.train.labels[13], 3);
}

TEST(FashionMnist, WrongImageDimensionsAreRejected) {
    TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 10, 10);
    bs_test::write_gz(d.file("train-images-idx3-ubyte.gz"), idx_bytes({10, 32, 32}, std::vector<uint8_t>(10240)));
    const std::string msg = error_of([&] { load_fashion_mnist(d.path); });
    EXPECT_NE(msg.find("train-images-idx3-ubyte.gz"), std::string::npos) << msg;
    EXPECT_NE(msg.find("28 x 28"), std::string::npos) << msg;
}

TEST(FashionMnist, LabelCountMismatchAndBadLabelsAreRejected) {
    TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 10, 10);
    bs_test::write_gz(d.file("t10k-labels-idx1-ubyte.gz"), idx_bytes({9}, std::vector<uint8_t>(9)));
    EXPECT_NE(error_of([&] { load_fashion_mnist(d.path); }).find("has 9 labels"), std::string::npos);
    bs_test::write_gz(d.file("t10k-labels-idx1-ubyte.gz"), idx_bytes({10}, std::vector<uint8_t>(10, 12)));
    EXPECT_NE(error_of([&] { load_fashion_mnist(d.path); }).find("out of range"), std::string::npos);
}

TEST(FashionMnist, MissingFolderOrFileSaysWhatToDo) {
    EXPECT_NE(error_of([] { load_fashion_mnist("/nonexistent/fmnist"); }).find("no such folder"), std::string::npos);
    TempDir d;
    const std::string msg = error_of([&] { load_fashion_mnist(d.path); });
    EXPECT_NE(msg.find("train-images-idx3-ubyte.gz"), std::string::npos) << msg;
}

TEST(FashionMnist, TheInstalledPackageIsFoundWhenPresent) {
    const std::string dir = find_fashion_mnist_dir();
    if (dir.empty()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    EXPECT_TRUE(std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz"));
    FashionMnist f = load_fashion_mnist("", 0, 0);
    EXPECT_EQ(f.train.count, 60000);
    EXPECT_EQ(f.test.count, 10000);
}

// A 30-byte file whose header claims 4 GiB of data (found by fuzzing) is refused as truncated
// without allocating what the header claims: in a child process whose address space leaves
// about 1 GiB free, reading it must give the truncation error, not bad_alloc.
TEST(IdxReader, AHeaderClaimingGigabytesAllocatesOnlyWhatIsRead) {
    TempDir d;
    // 4096 x 1024 x 1023 = 4,290,772,992 bytes claimed (just under the 2^32 plausibility limit), 14 there.
    std::vector<uint8_t> b{0, 0, 8, 3, 0, 0, 0x10, 0, 0, 0, 0x04, 0, 0, 0, 0x03, 0xff};
    for (int i = 0; i < 14; ++i) b.push_back(static_cast<uint8_t>(i));
    const std::string path = d.file("claims-4g-idx3-ubyte");
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    const int status = bs_test::exit_status_with_1gib_headroom([&] {
        try {
            read_idx_u8(path);
        } catch (const DatasetError& e) {
            return std::string(e.what()).find("truncated: the header promises 4290772992 bytes of data, the file has 14") != std::string::npos ? 0 : 1;
        } catch (const std::bad_alloc&) {
            return 2;
        }
        return 4;
    });
    EXPECT_EQ(status, 0) << "1: another message, 2: bad_alloc (the claimed size was allocated), 3: no limit set";
}
