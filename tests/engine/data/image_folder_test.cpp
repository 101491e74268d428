#include <gtest/gtest.h>

#include <filesystem>

#include "batchscope/engine/data/image_folder_source.h"
#include "batchscope/engine/data/image_folder_writer.h"
#include "batchscope/engine/image_dataset.h"
#include "data_fixtures.h"
#include "idx_fixture.h"

using namespace batchscope::engine;
using namespace batchscope::engine::data;
namespace fs = std::filesystem;

namespace {

std::string error_of(const ImageFolderOptions& o) {
    try {
        ImageFolderSource s(o, nullptr);
    } catch (const DatasetError& e) {
        return e.what();
    }
    return {};
}

void put_png(const std::string& path, int seed, int h = 6, int w = 6, int c = 3) {
    std::vector<uint8_t> b;
    encode_png(bs_test::pattern_image(h, w, c, seed), {}, b);
    bs_test::write_bytes(path, b);
}

}  // namespace

TEST(ImageFolder, ClassesAreSortedFoldersAndOtherFilesAreIgnored) {
    bs_test::TempDir d;
    for (const char* c : {"cat", "ant", "bee"}) fs::create_directories(d.path + "/" + c);
    put_png(d.path + "/ant/b.png", 1);
    put_png(d.path + "/ant/a.PNG", 2);
    put_png(d.path + "/bee/x.png", 3);
    put_png(d.path + "/cat/z.png", 4);
    bs_test::write_bytes(d.path + "/cat/notes.txt", {'h', 'i'});
    put_png(d.path + "/cat/.hidden.png", 5);
    ImageFolderSource s({d.path, 0, {}, 0}, nullptr);
    EXPECT_EQ(s.count(), 4);
    EXPECT_EQ(s.classes(), 3);
    EXPECT_EQ(s.class_name(0), "ant");
    EXPECT_EQ(s.label(0), 0);
    EXPECT_EQ(s.label(1), 0);
    EXPECT_EQ(s.label(2), 1);
    EXPECT_EQ(s.label(3), 2);
    EXPECT_EQ(fs::path(s.path(0)).filename(), "a.PNG");
    EXPECT_EQ(s.shape(), (ImageShape{6, 6, 3}));
    SampleBuffers b;
    s.read(2, b);
    s.decode(2, b);
    EXPECT_EQ(bs_test::max_abs_diff(b.image, bs_test::pattern_image(6, 6, 3, 3)), 0);
}

TEST(ImageFolder, StructuralProblemsAreClearErrors) {
    bs_test::TempDir d;
    EXPECT_NE(error_of({d.path + "/missing", 0, {}, 0}).find("no such folder"), std::string::npos);
    EXPECT_NE(error_of({d.path, 0, {}, 0}).find("no class folders"), std::string::npos);
    fs::create_directories(d.path + "/a");
    fs::create_directories(d.path + "/b");
    put_png(d.path + "/a/1.png", 1);
    bs_test::write_bytes(d.path + "/b/readme.txt", {'x'});
    const std::string e = error_of({d.path, 0, {}, 0});
    EXPECT_NE(e.find(d.path + "/b"), std::string::npos) << e;
    EXPECT_NE(e.find("empty class folder"), std::string::npos) << e;
}

// A test set is labelled by its training set's class names, not by the position of its folders:
// a test set that lacks a class keeps the others' labels, and one with a class the training set
// does not have is refused by name (it used to be labelled as whatever class sorted there).
TEST(ImageFolder, TestClassesAreMatchedToTrainingClassesByName) {
    bs_test::TempDir d;
    for (const char* c : {"bee", "cat"}) {
        fs::create_directories(d.path + "/" + c);
        put_png(d.path + "/" + c + "/1.png", 1);
    }
    ImageFolderOptions o{d.path, 0, {}, 0};
    o.class_names = {"ant", "bee", "cat"};  // the training set's
    ImageFolderSource s(o, nullptr);
    EXPECT_EQ(s.classes(), 3);
    ASSERT_EQ(s.count(), 2);
    EXPECT_EQ(s.label(0), 1);  // bee
    EXPECT_EQ(s.label(1), 2);  // cat
    EXPECT_EQ(fs::path(s.path(1)).parent_path().filename(), "cat");
    SampleBuffers b;
    s.read(1, b);  // read through the folder of label 2

    fs::create_directories(d.path + "/dog");
    put_png(d.path + "/dog/1.png", 1);
    const std::string e = error_of(o);
    EXPECT_NE(e.find(d.path + "/dog"), std::string::npos) << e;
    EXPECT_NE(e.find("a class the training set does not have"), std::string::npos) << e;
}

TEST(ImageFolder, BadFilesFailWithTheirPath) {
    bs_test::TempDir d;
    fs::create_directories(d.path + "/a");
    put_png(d.path + "/a/0.png", 1);
    bs_test::write_bytes(d.path + "/a/1.png", {'n', 'o', 'p', 'e'});
    put_png(d.path + "/a/2.png", 2, 4000, 4000, 1);
    ImageFolderOptions o{d.path, 0, {}, 0};
    o.limits.max_pixels = 1'000'000;
    ImageFolderSource s(o, nullptr);
    SampleBuffers b;
    s.read(1, b);
    try {
        s.decode(1, b);
        FAIL();
    } catch (const SampleError& e) {
        EXPECT_EQ(e.file(), d.path + "/a/1.png");
        EXPECT_NE(std::string(e.what()).find("not a JPEG or PNG"), std::string::npos);
    }
    s.read(2, b);
    EXPECT_THROW(s.decode(2, b), SampleError);  // 16 megapixels over the 1 megapixel limit
    fs::remove(d.path + "/a/0.png");
    EXPECT_THROW(s.read(0, b), SampleError);  // vanished since the scan
}

TEST(ImageFolder, WriterMakesALabelledFolderFromFashionMnist) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 40, 20);
    for (ImageFormat f : {ImageFormat::Jpeg, ImageFormat::Png}) {
        ImageFolderWriteOptions o;
        o.out_dir = d.path + (f == ImageFormat::Jpeg ? "/jpeg" : "/png");
        o.fashion_dir = d.path;
        o.size = 32;
        o.format = f;
        o.channels = f == ImageFormat::Jpeg ? 3 : 1;
        o.test_limit = 10;
        o.threads = 2;
        const auto r = write_image_folder(o);
        EXPECT_EQ(r.files, 50);
        EXPECT_TRUE(fs::exists(o.out_dir + "/train/0-t-shirt-top/00000." + (f == ImageFormat::Jpeg ? "jpg" : "png")));
        ImageFolderSource train({o.out_dir + "/train", 0, {}, 0}, nullptr);
        EXPECT_EQ(train.count(), 40);
        EXPECT_EQ(train.classes(), 10);
        EXPECT_EQ(train.class_name(9), "9-ankle-boot");
        EXPECT_EQ(train.shape(), (ImageShape{32, 32, o.channels}));
        const ImageDataset ref = load_fashion_mnist_split(d.path, "train");
        SampleBuffers b;
        for (int64_t i = 0; i < train.count(); ++i) {  // labels kept: file k of class c is sample k
            const int64_t k = std::stoll(fs::path(train.path(i)).stem().string());
            EXPECT_EQ(train.label(i), ref.labels[static_cast<size_t>(k)]);
        }
        train.read(0, b);
        train.decode(0, b);
        EXPECT_EQ(b.image.shape, train.shape());
        EXPECT_THROW(write_image_folder(o), DatasetError);  // not empty any more
        ImageFolderSource limited({o.out_dir + "/train", 0, {}, 10}, nullptr);
        EXPECT_EQ(limited.count(), 10);
        EXPECT_EQ(limited.label(0), 0);
        EXPECT_EQ(limited.label(9), 9);  // spread over all classes
    }
}
