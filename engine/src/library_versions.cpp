#include "batchscope/engine/library_versions.h"

#include <png.h>
#include <zlib.h>

#include <cstdio>

#include <jpeglib.h>

#include "batchscope/engine/mlp.h"
#include "batchscope/store/session_store.h"

namespace batchscope::engine {
namespace {
#define BS_STRINGIFY2(x) #x
#define BS_STRINGIFY(x) BS_STRINGIFY2(x)
}  // namespace

std::vector<std::pair<std::string, std::string>> library_versions() {
    std::vector<std::pair<std::string, std::string>> v = {
        {"openblas", blas_description()},
        {"sqlite", store::SessionStore::sqlite_version()},
        {"zlib", zlibVersion()},
        {"libpng", png_get_libpng_ver(nullptr)},
    };
#ifdef LIBJPEG_TURBO_VERSION
    v.emplace_back("libjpeg-turbo", BS_STRINGIFY(LIBJPEG_TURBO_VERSION) " (built against)");
#else
    v.emplace_back("libjpeg", std::to_string(JPEG_LIB_VERSION) + " (API, built against)");
#endif
    return v;
}

}  // namespace batchscope::engine
