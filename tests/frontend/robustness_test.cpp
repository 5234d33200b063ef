// No input crashes the parser: seeded random mutations of the example models
// (bytes flipped, deleted, duplicated, lines swapped, tokens spliced) must
// either parse or fail with a ModelError; nothing else may escape.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "frontend/diagnostics.h"
#include "frontend/model_loader.h"
#include "runtime/registry.h"

namespace cnnc::frontend {
namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string mutate(std::string text, std::mt19937& rng) {
  static const std::string pieces[] = {"[",         "]",
                                       "{",         "}",
                                       "(",         ")",
                                       "=",         ",",
                                       ":",         "#",
                                       "\n",        "from=",
                                       "repeat 0 ", "block b(x) {",
                                       "-1",        "99999999999999999999",
                                       "1e999",     "N",
                                       "in",        "\xff",
                                       "\0"};
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    size_t at = rng() % text.size();
    switch (rng() % 5) {
      case 0:
        text[at] = static_cast<char>(rng() % 256);
        break;
      case 1:
        text.erase(at, 1 + rng() % 8);
        break;
      case 2:
        text.insert(at, text.substr(rng() % text.size(), rng() % 40));
        break;
      case 3: {
        const auto& p = pieces[rng() % std::size(pieces)];
        text.insert(at, p.empty() ? std::string(1, '\0') : p);
        break;
      }
      case 4: {
        size_t other = rng() % text.size();
        std::swap(text[at], text[other]);
        break;
      }
    }
  }
  return text;
}

TEST(Robustness, MutatedModelsNeverCrashTheFrontend) {
  const auto& ops = global_registry().ops;
  std::mt19937 rng(20261121);
  size_t parsed = 0, rejected = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(CNNC_SOURCE_DIR) + "/examples/models")) {
    std::string original = read(entry.path());
    for (int i = 0; i < 150; ++i) {
      std::string text = mutate(original, rng);
      try {
        parse_model(entry.path().filename().string(), text, ops);
        ++parsed;
      } catch (const ModelError& e) {
        ++rejected;
        ASSERT_GT(e.error_count, 0u);
        ASSERT_NE(std::string_view(e.what()).find("error:"), std::string_view::npos) << e.what();
      } catch (const std::exception& e) {
        FAIL() << "unexpected " << typeid(e).name() << ": " << e.what() << "\n--- input ---\n"
               << text;
      }
    }
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(parsed + rejected, 1000u);
}

}  // namespace
}  // namespace cnnc::frontend
