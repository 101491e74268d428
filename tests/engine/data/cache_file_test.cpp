#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "batchscope/engine/data/cache_file.h"
#include "batchscope/engine/data/fashion_mnist_source.h"
#include "batchscope/engine/image_dataset.h"
#include "data_fixtures.h"
#include "idx_fixture.h"

using namespace batchscope::engine;
using namespace batchscope::engine::data;

namespace {

struct Fixture {
    bs_test::TempDir d;
    FashionMnistOptions o;
    Fixture() {
        bs_test::write_fake_fashion_mnist(d.path, 300, 50);
        o = {d.path, "train", d.path + "/cache", 0};
    }
};

void expect_same_samples(const SampleSource& s, const ImageDataset& ref) {
    SampleBuffers b;
    ASSERT_EQ(s.count(), ref.count);
    for (int64_t i : {int64_t{0}, int64_t{1}, ref.count / 2, ref.count - 1}) {
        s.read(i, b);
        ASSERT_EQ(b.image.shape, (ImageShape{28, 28, 1}));
        EXPECT_EQ(std::memcmp(b.image.data(), ref.image(i), 784), 0) << "sample " << i;
        EXPECT_EQ(s.label(i), ref.labels[static_cast<size_t>(i)]);
    }
}

}  // namespace

TEST(SampleCache, FashionMnistIsDecompressedOnceAndReadsTheSamePixels) {
    Fixture f;
    FashionMnistSource s(f.o, nullptr);
    EXPECT_EQ(s.rebuilt_because(), "missing");
    EXPECT_TRUE(std::filesystem::exists(s.cache_path()));
    EXPECT_EQ(s.shape(), (ImageShape{28, 28, 1}));
    EXPECT_EQ(s.classes(), 10);
    expect_same_samples(s, load_fashion_mnist_split(f.d.path, "train"));
    FashionMnistSource again(f.o, nullptr);
    EXPECT_EQ(again.rebuilt_because(), "");  // valid: used as it is
    EXPECT_EQ(again.cache_path(), s.cache_path());
}

TEST(SampleCache, ColdReadsBypassingThePageCacheGiveTheSameBytes) {
    Fixture f;
    FashionMnistSource s(f.o, std::make_shared<Storage>(StorageKind::Cold));
    s.begin_epoch();
    expect_same_samples(s, load_fashion_mnist_split(f.d.path, "train"));
}

TEST(SampleCache, LimitKeepsTheFirstSamples) {
    Fixture f;
    f.o.limit = 120;
    FashionMnistSource s(f.o, nullptr);
    expect_same_samples(s, load_fashion_mnist_split(f.d.path, "train", 120));
}

TEST(SampleCache, ABadCacheIsRefusedWithItsReasonAndRebuilt) {
    Fixture f;
    const std::string path = FashionMnistSource(f.o, nullptr).cache_path();
    const std::vector<uint8_t> good = bs_test::read_bytes(path);
    const SourceStamp stamp = stamp_files(f.d.path + "/train-images-idx3-ubyte.gz", f.d.path + "/train-labels-idx1-ubyte.gz");
    CacheLayout layout;
    std::vector<uint8_t> labels;
    ASSERT_EQ(check_cache_file(path, stamp, layout, labels), "");
    EXPECT_EQ(layout.count, 300);
    EXPECT_EQ(layout.data_offset % 4096, 0u);

    struct Case {
        const char* name;
        std::function<void(std::vector<uint8_t>&)> damage;
        const char* reason;
    };
    const std::vector<Case> cases = {
        {"payload byte", [](auto& b) { b[5000] ^= 0x40; }, "checksum mismatch"},
        {"label byte", [](auto& b) { b[b.size() - 3] ^= 0x01; }, "checksum mismatch"},
        {"truncated", [](auto& b) { b.resize(b.size() - 100); }, "size does not match"},
        {"grown", [](auto& b) { b.push_back(0); }, "size does not match"},
        {"header only", [](auto& b) { b.resize(60); }, "truncated header"},
        {"magic", [](auto& b) { b[0] = 'X'; }, "wrong magic"},
        {"header field", [](auto& b) { b[20] ^= 1; }, "corrupt header"},
        {"version",
         [](auto& b) {
             b[8] = 99;  // version, then fix the header checksum so that only the version is wrong
             const uint64_t c = checksum64(b.data(), 120);
             std::memcpy(b.data() + 120, &c, 8);
         },
         "version 99"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        std::vector<uint8_t> bad = good;
        c.damage(bad);
        bs_test::write_bytes(path, bad);
        EXPECT_NE(check_cache_file(path, stamp, layout, labels).find(c.reason), std::string::npos)
            << check_cache_file(path, stamp, layout, labels);
        FashionMnistSource s(f.o, nullptr);  // rebuilds
        EXPECT_NE(s.rebuilt_because().find(c.reason), std::string::npos) << s.rebuilt_because();
        EXPECT_EQ(bs_test::read_bytes(path), good);
    }
}

TEST(SampleCache, ChangedDatasetFilesMakeItStale) {
    Fixture f;
    FashionMnistSource first(f.o, nullptr);
    bs_test::write_fake_fashion_mnist(f.d.path, 310, 50);  // other size and time
    FashionMnistSource second(f.o, nullptr);
    EXPECT_NE(second.rebuilt_because().find("stale"), std::string::npos) << second.rebuilt_because();
    EXPECT_EQ(second.count(), 310);
}

TEST(SampleCache, MissingOrCorruptDatasetNamesTheFile) {
    Fixture f;
    f.o.dir = f.d.path + "/nope";
    try {
        FashionMnistSource s(f.o, nullptr);
        FAIL() << "expected an error";
    } catch (const DatasetError& e) {
        EXPECT_NE(std::string(e.what()).find(f.o.dir), std::string::npos) << e.what();
    }
    bs_test::write_plain(f.d.path + "/train-images-idx3-ubyte.gz", {1, 2, 3});
    f.o.dir = f.d.path;
    try {
        FashionMnistSource s(f.o, nullptr);
        FAIL() << "expected an error";
    } catch (const DatasetError& e) {
        EXPECT_NE(std::string(e.what()).find("train-images-idx3-ubyte.gz"), std::string::npos) << e.what();
    }
}

TEST(SampleCache, DefaultFolderFollowsXdgCacheHome) {
    const char* old = std::getenv("XDG_CACHE_HOME");
    const std::string saved = old ? old : "";
    setenv("XDG_CACHE_HOME", "/some/where", 1);
    EXPECT_EQ(default_cache_dir(), "/some/where/batchscope");
    if (old) setenv("XDG_CACHE_HOME", saved.c_str(), 1);
    else unsetenv("XDG_CACHE_HOME");
}
