#pragma once
// The versions of the libraries a run used, for the environment a session records (so two
// sessions from different machines or builds can be told apart in `sessions compare`).
#include <string>
#include <utility>
#include <vector>

namespace batchscope::engine {

// {"openblas", "0.3.21 ..."}, {"sqlite", "3.40.1"}, {"zlib", ...}, {"libpng", ...},
// {"libjpeg-turbo", ...}: run-time versions where the library reports one, else the one built against.
std::vector<std::pair<std::string, std::string>> library_versions();

}  // namespace batchscope::engine
