// The C API (cnnc/cnnc.h) and its C++ wrapper: a model loaded, described
// and run with library-owned and caller-provided outputs, the same results
// as the C++ runtime; every bad call a status and a message naming what is
// wrong, never an abort; one model run from 8 threads at once gives what
// one thread gives.
#include "cnnc/cnnc.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cnnc/cnnc.hpp"
#include "runtime/model.h"
#include "runtime/registry.h"

namespace cnnc {
namespace {

const std::string kLeNet = std::string(CNNC_SOURCE_DIR) + "/examples/models/lenet5.cnn";

std::vector<float> random_images(int64_t batch, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(batch) * 784);
  for (float& x : v) x = pixel(rng);
  return v;
}

cnnc_model_options he_options(const char* backend) {
  cnnc_model_options o;
  cnnc_model_options_init(&o);
  o.backend = backend;
  o.init = "he";
  o.seed = 3;
  o.threads = 1;
  return o;
}

class CApi : public ::testing::Test {
 protected:
  void SetUp() override {
    const cnnc_model_options o = he_options("halide");
    ASSERT_EQ(cnnc_model_load(kLeNet.c_str(), nullptr, &o, &model_), CNNC_OK)
        << cnnc_last_error(nullptr);
    ASSERT_EQ(cnnc_session_create(model_, &session_), CNNC_OK);
  }
  void TearDown() override {
    cnnc_session_destroy(session_);
    cnnc_model_destroy(model_);
  }
  cnnc_model* model_ = nullptr;
  cnnc_session* session_ = nullptr;
};

TEST_F(CApi, DescribesTheModelsInputsAndOutputs) {
  ASSERT_EQ(cnnc_model_input_count(model_), 1u);
  ASSERT_EQ(cnnc_model_output_count(model_), 1u);
  const char* name = nullptr;
  int64_t dims[8];
  size_t rank = 0;
  ASSERT_EQ(cnnc_model_input(model_, 0, &name, dims, &rank), CNNC_OK);
  EXPECT_STREQ(name, "image");
  ASSERT_EQ(rank, 4u);
  EXPECT_EQ(std::vector<int64_t>(dims, dims + 4), (std::vector<int64_t>{-1, 1, 28, 28}));
  ASSERT_EQ(cnnc_model_output(model_, 0, &name, dims, &rank), CNNC_OK);
  EXPECT_STREQ(name, "probs");
  EXPECT_EQ(std::vector<int64_t>(dims, dims + rank), (std::vector<int64_t>{-1, 10}));
  EXPECT_EQ(cnnc_model_output(model_, 1, &name, dims, &rank), CNNC_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(cnnc_last_error(nullptr)).find("has 1 output(s), asked for #1"),
            std::string::npos);
}

TEST_F(CApi, RunsLikeTheCppRuntimeWithEitherKindOfOutputMemory) {
  std::vector<float> images = random_images(3, 1);
  int64_t dims[] = {3, 1, 28, 28};
  cnnc_tensor in{images.data(), dims, 4, 0};
  cnnc_tensor owned{nullptr, nullptr, 0, 0};
  ASSERT_EQ(cnnc_session_run(session_, &in, 1, &owned, 1), CNNC_OK) << cnnc_last_error(session_);
  ASSERT_EQ(owned.rank, 2u);
  EXPECT_EQ(owned.dims[0], 3);
  EXPECT_EQ(owned.dims[1], 10);
  const std::vector<float> library(owned.data, owned.data + 30);

  std::vector<float> mine(30);
  int64_t my_dims[8];
  cnnc_tensor given{mine.data(), my_dims, 0, mine.size()};
  ASSERT_EQ(cnnc_session_run(session_, &in, 1, &given, 1), CNNC_OK);
  EXPECT_EQ(given.rank, 2u);
  EXPECT_EQ(mine, library);

  // The C++ runtime on the same model, weights and input.
  ModelOptions load;
  load.init = "he";
  load.seed = 3;
  const ir::Graph graph = load_model(kLeNet, global_registry(), load);
  ir::Tensor x(ir::Shape{3, 1, 28, 28});
  std::copy(images.begin(), images.end(), x.data().begin());
  const auto want = global_registry()
                        .backends.find("halide")
                        ->compile(graph, {.threads = 1})
                        ->run(std::vector<ir::Tensor>{x});
  EXPECT_EQ(library, std::vector<float>(want[0].data().begin(), want[0].data().end()));
}

TEST_F(CApi, EveryBadCallIsAStatusAndAMessage) {
  std::vector<float> images = random_images(1, 2);
  int64_t dims[] = {1, 1, 28, 28};
  cnnc_tensor in{images.data(), dims, 4, 0};
  cnnc_tensor out{nullptr, nullptr, 0, 0};
  const auto error = [&](const cnnc_session* s) { return std::string(cnnc_last_error(s)); };
  const auto has = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };

  // Null handles and pointers.
  EXPECT_EQ(cnnc_session_run(nullptr, &in, 1, &out, 1), CNNC_ERROR_INVALID_ARGUMENT);
  EXPECT_TRUE(has(error(nullptr), "the session is null"));
  cnnc_session* s = nullptr;
  EXPECT_EQ(cnnc_session_create(nullptr, &s), CNNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(cnnc_session_create(model_, nullptr), CNNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(cnnc_model_load(kLeNet.c_str(), nullptr, nullptr, nullptr),
            CNNC_ERROR_INVALID_ARGUMENT);
  cnnc_model* m = nullptr;
  EXPECT_EQ(cnnc_model_load(nullptr, nullptr, nullptr, &m), CNNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(cnnc_model_input(nullptr, 0, nullptr, dims, nullptr), CNNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(cnnc_model_input_count(nullptr), 0u);
  cnnc_session_destroy(nullptr);  // allowed, as free(NULL)
  cnnc_model_destroy(nullptr);

  // Missing and malformed files, no weights, an unknown backend.
  const cnnc_model_options he = he_options("reference");
  EXPECT_EQ(cnnc_model_load("/nonexistent/m.cnn", nullptr, &he, &m), CNNC_ERROR_IO);
  EXPECT_TRUE(has(error(nullptr), "/nonexistent/m.cnn")) << error(nullptr);
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(cnnc_model_load(kLeNet.c_str(), "/nonexistent/w.safetensors", &he, &m), CNNC_ERROR_IO);
  EXPECT_TRUE(has(error(nullptr), "/nonexistent/w.safetensors")) << error(nullptr);
  const std::filesystem::path bad = std::filesystem::temp_directory_path() / "cnnc_c_api_bad.cnn";
  std::ofstream(bad) << "model bad\ninput x [N, 3]\ndense d units=zero\noutput d\n";
  EXPECT_EQ(cnnc_model_load(bad.c_str(), nullptr, &he, &m), CNNC_ERROR_MODEL);
  EXPECT_TRUE(has(error(nullptr), "cnnc_c_api_bad.cnn:3")) << error(nullptr);
  std::filesystem::remove(bad);
  cnnc_model_options none;
  cnnc_model_options_init(&none);
  EXPECT_EQ(cnnc_model_load(kLeNet.c_str(), nullptr, &none, &m), CNNC_ERROR_INVALID_ARGUMENT);
  EXPECT_TRUE(has(error(nullptr), "give a weights file")) << error(nullptr);
  cnnc_model_options unknown = he;
  unknown.backend = "tpu";
  EXPECT_EQ(cnnc_model_load(kLeNet.c_str(), nullptr, &unknown, &m), CNNC_ERROR_INVALID_ARGUMENT);
  EXPECT_TRUE(has(error(nullptr), "no backend 'tpu'")) << error(nullptr);

  // Wrong tensor counts and shapes, a small output buffer: the session's error.
  EXPECT_EQ(cnnc_session_run(session_, &in, 2, &out, 1), CNNC_ERROR_SHAPE);
  EXPECT_TRUE(has(error(session_), "takes 1 input(s) and gives 1 output(s); given 2 and 1"));
  EXPECT_EQ(cnnc_session_run(session_, &in, 1, &out, 0), CNNC_ERROR_SHAPE);
  int64_t wrong[] = {1, 3, 28, 28};
  cnnc_tensor three{images.data(), wrong, 4, 0};
  EXPECT_EQ(cnnc_session_run(session_, &three, 1, &out, 1), CNNC_ERROR_SHAPE);
  EXPECT_TRUE(has(error(session_), "image")) << error(session_);
  cnnc_tensor no_data{nullptr, dims, 4, 0};
  EXPECT_EQ(cnnc_session_run(session_, &no_data, 1, &out, 1), CNNC_ERROR_INVALID_ARGUMENT);
  int64_t zero[] = {0, 1, 28, 28};
  cnnc_tensor empty{images.data(), zero, 4, 0};
  EXPECT_EQ(cnnc_session_run(session_, &empty, 1, &out, 1), CNNC_ERROR_SHAPE);
  std::vector<float> small(5);
  int64_t small_dims[8];
  cnnc_tensor too_small{small.data(), small_dims, 0, small.size()};
  EXPECT_EQ(cnnc_session_run(session_, &in, 1, &too_small, 1), CNNC_ERROR_SHAPE);
  EXPECT_TRUE(has(error(session_), "has 10 values; its buffer holds 5")) << error(session_);

  // A good call clears the session's error.
  EXPECT_EQ(cnnc_session_run(session_, &in, 1, &out, 1), CNNC_OK);
  EXPECT_EQ(error(session_), "");
}

// One model, a session per thread, 8 threads at once: each run gives what
// a single thread gives for its input.
TEST_F(CApi, EightThreadsGiveWhatOneThreadGives) {
  constexpr int kThreads = 8, kRuns = 5;
  std::vector<std::vector<float>> inputs, want;
  int64_t dims[] = {2, 1, 28, 28};
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(random_images(2, 10 + t));
    cnnc_tensor in{inputs.back().data(), dims, 4, 0}, out{nullptr, nullptr, 0, 0};
    ASSERT_EQ(cnnc_session_run(session_, &in, 1, &out, 1), CNNC_OK);
    want.emplace_back(out.data, out.data + 20);
  }
  std::vector<int> mismatches(kThreads, 0), failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      cnnc_session* s = nullptr;
      if (cnnc_session_create(model_, &s) != CNNC_OK) {
        ++failures[t];
        return;
      }
      for (int r = 0; r < kRuns; ++r) {
        cnnc_tensor in{inputs[t].data(), dims, 4, 0}, out{nullptr, nullptr, 0, 0};
        if (cnnc_session_run(s, &in, 1, &out, 1) != CNNC_OK)
          ++failures[t];
        else if (std::vector<float>(out.data, out.data + 20) != want[t])
          ++mismatches[t];
      }
      cnnc_session_destroy(s);
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0) << "thread " << t;
    EXPECT_EQ(mismatches[t], 0) << "thread " << t;
  }
}

// A hand-written "compiled model" (what `cnnc compile` generates): doubles
// a [2, 3] input. The C API runs it through sessions like a .cnn model and
// refuses other shapes and interface versions.
namespace doubler {
const char* const input_names[] = {"x"};
const char* const output_names[] = {"y"};
const size_t ranks[] = {2};
const int64_t shape[] = {2, 3};
const int64_t* const dims[] = {shape};
int instances = 0;
int create(void** p) {
  *p = &instances;
  ++instances;
  return 0;
}
int run(void*, const float* const* in, float* const* out) {
  for (int i = 0; i < 6; ++i) out[0][i] = 2 * in[0][i];
  return 0;
}
void destroy(void*) {
  --instances;
}
const char* error(const void*) {
  return "";
}
const cnnc_compiled_model model = {CNNC_COMPILED_MODEL_VERSION,
                                   "doubler",
                                   1,
                                   1,
                                   input_names,
                                   output_names,
                                   ranks,
                                   ranks,
                                   dims,
                                   dims,
                                   create,
                                   run,
                                   destroy,
                                   error};
}  // namespace doubler

TEST(CApiCompiled, ACompiledModelRunsThroughSessionsAndKeepsItsShapes) {
  cnnc_model* m = nullptr;
  ASSERT_EQ(cnnc_model_from_compiled(&doubler::model, &m), CNNC_OK);
  int64_t dims[8];
  size_t rank = 0;
  ASSERT_EQ(cnnc_model_input(m, 0, nullptr, dims, &rank), CNNC_OK);
  EXPECT_EQ(std::vector<int64_t>(dims, dims + rank), (std::vector<int64_t>{2, 3}));
  cnnc_session* s = nullptr;
  ASSERT_EQ(cnnc_session_create(m, &s), CNNC_OK);
  EXPECT_EQ(doubler::instances, 1);
  float x[6] = {1, 2, 3, 4, 5, 6};
  int64_t shape[] = {2, 3};
  cnnc_tensor in{x, shape, 2, 0}, out{nullptr, nullptr, 0, 0};
  ASSERT_EQ(cnnc_session_run(s, &in, 1, &out, 1), CNNC_OK) << cnnc_last_error(s);
  EXPECT_EQ(std::vector<float>(out.data, out.data + 6), (std::vector<float>{2, 4, 6, 8, 10, 12}));
  int64_t other[] = {1, 6};
  cnnc_tensor wrong{x, other, 2, 0};
  EXPECT_EQ(cnnc_session_run(s, &wrong, 1, &out, 1), CNNC_ERROR_SHAPE);
  EXPECT_NE(std::string(cnnc_last_error(s)).find("doubler was compiled for [2, 3]"),
            std::string::npos)
      << cnnc_last_error(s);
  cnnc_session_destroy(s);
  EXPECT_EQ(doubler::instances, 0);
  cnnc_model_destroy(m);

  cnnc_compiled_model future = doubler::model;
  future.version = 99;
  EXPECT_EQ(cnnc_model_from_compiled(&future, &m), CNNC_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(cnnc_last_error(nullptr)).find("version 99"), std::string::npos);
  EXPECT_EQ(cnnc_model_from_compiled(nullptr, &m), CNNC_ERROR_INVALID_ARGUMENT);
}

TEST(CppApi, WrapsTheCApiWithExceptions) {
  const cnnc_model_options o = he_options("reference");
  cnnc::Model model(kLeNet, "", &o);
  cnnc::Session session(model);
  std::vector<float> image = random_images(1, 4);
  const auto out = session.run({{image.data(), {1, 1, 28, 28}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dims, (std::vector<int64_t>{1, 10}));
  double sum = 0;
  for (float p : out[0].values) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-5);  // softmax
  try {
    session.run({{image.data(), {1, 2, 28, 28}}});
    ADD_FAILURE() << "no error";
  } catch (const cnnc::Error& e) {
    EXPECT_EQ(e.status, CNNC_ERROR_SHAPE);
  }
  EXPECT_THROW(cnnc::Model("/nonexistent.cnn", "", &o), cnnc::Error);
}

}  // namespace
}  // namespace cnnc
