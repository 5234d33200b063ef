// The kernel cache and execution: a second compile of a model loads its
// library without compiling; damaged entries are rebuilt; an unwritable
// cache directory falls back to a temporary one; several threads may run
// one executable at once and get the single-threaded results; a kernel's
// runtime error does not abort the process.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "backends/halide/halide_backend.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

namespace fs = std::filesystem;

ir::Graph lenet() {
  ModelOptions options;
  options.init = "he";
  options.seed = 9;
  return load_model(std::string(CNNC_SOURCE_DIR) + "/examples/models/lenet5.cnn", global_registry(),
                    options);
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::path(CNNC_BINARY_DIR) / "halide_cache_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<fs::path> entries(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0 && e.path().extension() != ".meta")
      out.push_back(e.path());
  return out;
}

std::vector<ir::Tensor> run_with_cache(const ir::Graph& g, const fs::path& dir,
                                       const ir::Tensor& x) {
  auto backend = backends::halide::make_halide_backend(global_registry().ops);
  backends::CompileOptions options;
  options.cache_dir = dir.string();
  return backend->compile(g, options)->run(std::vector<ir::Tensor>{x});
}

TEST(HalideCache, SecondCompileReusesAndDamagedEntriesAreRebuilt) {
  ir::Graph g = lenet();
  std::mt19937 rng(1);
  ir::Tensor x = test_util::random_tensor({3, 1, 28, 28}, rng, 0, 1);
  fs::path dir = fresh_dir("damaged");
  auto first = run_with_cache(g, dir, x);
  ASSERT_EQ(entries(dir, "model-").size(), 1u);
  ASSERT_FALSE(entries(dir, "k").empty());
  auto stamp = fs::last_write_time(entries(dir, "model-")[0]);
  auto again = run_with_cache(g, dir, x);
  EXPECT_EQ(fs::last_write_time(entries(dir, "model-")[0]), stamp) << "the library was relinked";
  // Truncate the model library and scribble over every kernel object.
  fs::resize_file(entries(dir, "model-")[0], 100);
  for (const auto& k : entries(dir, "k")) std::ofstream(k, std::ios::binary) << "garbage";
  auto rebuilt = run_with_cache(g, dir, x);
  ASSERT_EQ(rebuilt.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_TRUE(test_util::tensors_near(again[i], first[i], 0));
    EXPECT_TRUE(test_util::tensors_near(rebuilt[i], first[i], 0));
  }
}

TEST(HalideCache, UnwritableDirectoryFallsBackToATemporaryCache) {
  ir::Graph g = lenet();
  std::mt19937 rng(2);
  ir::Tensor x = test_util::random_tensor({1, 1, 28, 28}, rng, 0, 1);
  // A regular file where the directory should be: no process can write there.
  fs::path blocker = fresh_dir("blocked") / "not-a-directory";
  std::ofstream(blocker) << "x";
  auto want = run_with_cache(g, fresh_dir("writable"), x);
  testing::internal::CaptureStderr();
  auto got = run_with_cache(g, blocker / "cache", x);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("using a temporary cache"), std::string::npos) << err;
  ASSERT_EQ(got.size(), want.size());
  EXPECT_TRUE(test_util::tensors_near(got[0], want[0], 0));
}

TEST(HalideExecution, EightThreadsRunningOneExecutableGetTheSingleThreadResults) {
  ir::Graph g = lenet();
  auto exe = global_registry().backends.find("halide")->compile(g, {});
  std::mt19937 rng(3);
  std::vector<ir::Tensor> xs;
  std::vector<std::vector<ir::Tensor>> want;
  for (int i = 0; i < 8; ++i) {
    xs.push_back(test_util::random_tensor({1 + i % 3, 1, 28, 28}, rng, 0, 1));
    want.push_back(exe->run(std::vector<ir::Tensor>{xs.back()}));
  }
  std::vector<std::vector<ir::Tensor>> got(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      for (int rep = 0; rep < 5; ++rep) got[i] = exe->run(std::vector<ir::Tensor>{xs[i]});
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i)
    EXPECT_TRUE(test_util::tensors_near(got[i][0], want[i][0], 0)) << "thread " << i;
}

TEST(HalideExecution, MemoryPlanSharesBuffersBetweenLayers) {
  ir::Graph g = lenet();
  auto exe = global_registry().backends.find("halide")->compile(g, {});
  auto reference = global_registry().backends.find("reference")->compile(g, {});
  // The plan reuses bytes: at least the liveness peak (a lower bound), well
  // under every activation held at once.
  int64_t every_activation = 0;
  for (auto id : g.topological_order())
    if (g.node(id).kind != ir::NodeKind::Param)
      for (const auto& s : g.node(id).outputs) every_activation += s.elements(64) * 4;
  EXPECT_GE(exe->peak_activation_bytes(64), reference->peak_activation_bytes(64));
  EXPECT_LT(exe->peak_activation_bytes(64), every_activation);
}

// Halide's default error handler aborts the process; once a model is
// compiled, the runtime's handler is cnnc's, which only records the
// message (the failing kernel's run then throws, naming its layer).
TEST(HalideExecution, RuntimeErrorsDoNotAbort) {
  ir::Graph g = lenet();
  auto exe = global_registry().backends.find("halide")->compile(g, {});
  std::mt19937 rng(2);
  ir::Tensor x = test_util::random_tensor({1, 1, 28, 28}, rng, 0, 1);
  auto before = exe->run(std::vector<ir::Tensor>{x});
  using HalideError = void (*)(void*, const char*);
  auto report = reinterpret_cast<HalideError>(dlsym(RTLD_DEFAULT, "halide_error"));
  ASSERT_NE(report, nullptr) << "the Halide runtime is not loaded globally";
  report(nullptr, "a test's error\n");  // aborts the test binary if the default handler is in place
  // The process goes on, and so do runs: kernels that succeed ignore the message.
  auto after = exe->run(std::vector<ir::Tensor>{x});
  EXPECT_TRUE(test_util::tensors_near(after.at(0), before.at(0), 0));
}

}  // namespace
}  // namespace cnnc::halide_test
