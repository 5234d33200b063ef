// Models written inline in a test: the text is saved under the build tree
// (so errors name a real file) and loaded with He-initialized weights.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/model.h"
#include "runtime/registry.h"

namespace cnnc::halide_test {

// Loads `text` as BINARY_DIR/folder/name.cnn through `pipeline`, weights
// from `seed`.
inline ir::Graph load_model_text(const std::string& folder, const std::string& name,
                                 const std::string& text, const std::string& pipeline,
                                 uint64_t seed) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(CNNC_BINARY_DIR) / folder;
  fs::create_directories(dir);
  std::string path = (dir / (name + ".cnn")).string();
  std::ofstream(path) << text;
  ModelOptions options;
  options.init = "he";
  options.seed = seed;
  options.pipeline = pipeline;
  return load_model(path, global_registry(), options);
}

}  // namespace cnnc::halide_test
