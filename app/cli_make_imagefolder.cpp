// batchscope-cli make-imagefolder: a real image folder from Fashion-MNIST.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>

#include "batchscope/engine/data/image_folder_writer.h"
#include "cli_commands.h"

namespace batchscope::cli {

Runner add_make_imagefolder_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("make-imagefolder",
                                   "Write an image folder (OUT/train/<class>/*.jpg, OUT/test/...) from Fashion-MNIST");
    auto o = std::make_shared<engine::data::ImageFolderWriteOptions>();
    auto grey = std::make_shared<bool>(false);
    const std::map<std::string, engine::data::ImageFormat> formats{{"jpeg", engine::data::ImageFormat::Jpeg},
                                                                   {"jpg", engine::data::ImageFormat::Jpeg},
                                                                   {"png", engine::data::ImageFormat::Png}};
    cmd->add_option("out", o->out_dir, "Output folder (must not exist, or be empty)")->required();
    cmd->add_option("--data", o->fashion_dir, "Folder with the Fashion-MNIST IDX .gz files (default: Debian's)");
    cmd->add_option("-s,--size", o->size, "Side of the square images, 8-1024")
        ->check(CLI::Range(8, 1024))
        ->capture_default_str();
    cmd->add_option("-f,--format", o->format, "jpeg or png")
        ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case))
        ->default_str("jpeg");
    cmd->add_option("-q,--quality", o->jpeg.quality, "JPEG quality, 1-100")->check(CLI::Range(1, 100))->capture_default_str();
    cmd->add_flag("--progressive", o->jpeg.progressive, "Progressive JPEG");
    cmd->add_flag("--grey,--gray", *grey, "Grey images (default: RGB)");
    cmd->add_option("--train-limit", o->train_limit, "Only the first N training images (0 = all 60000)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--test-limit", o->test_limit, "Only the first N test images (0 = all 10000)")->check(CLI::NonNegativeNumber);
    cmd->add_option("-t,--threads", o->threads, "Encoding threads (0 = one per core)")->capture_default_str();
    return [o, grey]() -> int {
        o->channels = *grey ? 1 : 3;
        if (isatty(STDERR_FILENO))
            o->progress = [](int64_t done, int64_t total) {
                std::fprintf(stderr, "\r  %lld / %lld images", static_cast<long long>(done),
                             static_cast<long long>(total));
            };
        try {
            const auto r = engine::data::write_image_folder(*o);
            if (o->progress) std::fprintf(stderr, "\r%40s\r", "");
            std::printf("wrote %lld images (%.1f MB, %s %dx%d %s) to %s in %.1f s\n", static_cast<long long>(r.files),
                        static_cast<double>(r.bytes) / 1e6,
                        o->format == engine::data::ImageFormat::Jpeg
                            ? ("JPEG q" + std::to_string(o->jpeg.quality) + (o->jpeg.progressive ? " progressive" : ""))
                                  .c_str()
                            : "PNG",
                        o->size, o->size, o->channels == 1 ? "grey" : "RGB", o->out_dir.c_str(), r.seconds);
            std::printf("train on it: batchscope-cli train --dataset image-folder --data %s\n", o->out_dir.c_str());
            return kExitOk;
        } catch (const std::exception& e) {
            if (o->progress) std::fprintf(stderr, "\n");
            std::cerr << "batchscope-cli make-imagefolder: " << e.what() << "\n";
            return kExitRunFailed;
        }
    };
}

}  // namespace batchscope::cli
