#include "runtime/weights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "runtime/safetensors.h"
#include "tests/runtime/test_util.h"

namespace cnnc {
namespace {

using testing::TempDir;
using testing::write_bytes;

ir::Node param(const std::string& name, ir::Shape shape, ir::ParamInit init, int64_t fan_in = 1,
               int64_t fan_out = 1) {
  ir::Node n;
  n.kind = ir::NodeKind::Param;
  n.name = name;
  n.param = {.suffix = name.substr(name.find('.') + 1),
             .shape = shape,
             .init = init,
             .fan_in = fan_in,
             .fan_out = fan_out};
  n.outputs = {shape};
  return n;
}

// The parameters of conv2d c1 filters=4 kernel=3 on [N, 3, 8, 8], a
// batchnorm scale, and dense fc units=2 on 4 features, plus the model input.
std::vector<ir::Node> model_params() {
  return {param("c1.weight", {4, 3, 3, 3}, ir::ParamInit::HeNormal, 27, 36),
          param("c1.bias", {4}, ir::ParamInit::Bias, 27, 4),
          param("bn.scale", {4}, ir::ParamInit::Ones), param("bn.shift", {4}, ir::ParamInit::Zeros),
          param("fc.weight", {2, 4}, ir::ParamInit::XavierUniform, 4, 2)};
}

ir::Graph make_graph(bool reversed = false) {
  ir::Graph g;
  g.name = "tiny";
  ir::Node input;
  input.kind = ir::NodeKind::Input;
  input.name = "x";
  input.outputs = {ir::Shape{ir::kBatch, 3, 8, 8}};
  g.add_node(input);
  auto params = model_params();
  if (reversed) std::reverse(params.begin(), params.end());
  for (auto& p : params) g.add_node(p);
  return g;
}

const ir::Tensor& value(const ir::Graph& g, const std::string& name) {
  return *g.node(*g.find(name)).value;
}

std::vector<float> values(const ir::Graph& g, const std::string& name) {
  auto d = value(g, name).data();
  return {d.begin(), d.end()};
}

struct Stats {
  double mean, stddev, max_abs;
};
Stats stats(std::span<const float> v) {
  double sum = 0, sq = 0, max_abs = 0;
  for (float x : v) {
    sum += x;
    sq += double(x) * x;
    max_abs = std::max(max_abs, std::abs(double(x)));
  }
  double mean = sum / v.size();
  return {mean, std::sqrt(sq / v.size() - mean * mean), max_abs};
}

TEST(InitializeParams, SameSeedSameValuesRegardlessOfNodeOrder) {
  auto a = make_graph(), b = make_graph(/*reversed=*/true), c = make_graph();
  initialize_params(a, "he", 7);
  initialize_params(b, "he", 7);
  initialize_params(c, "he", 8);
  for (const auto& p : model_params()) {
    EXPECT_EQ(values(a, p.name), values(b, p.name)) << p.name;
    EXPECT_EQ(value(a, p.name).shape(), p.param.shape) << p.name;
  }
  EXPECT_NE(values(a, "c1.weight"), values(c, "c1.weight"));
  EXPECT_NE(values(a, "fc.weight"), values(c, "fc.weight"));
}

TEST(InitializeParams, HeFollowsEachParamsDeclaredInit) {
  auto g = make_graph();
  initialize_params(g, "he", 1);
  EXPECT_EQ(values(g, "c1.bias"), std::vector<float>(4, 0.0f));
  EXPECT_EQ(values(g, "bn.scale"), std::vector<float>(4, 1.0f));
  EXPECT_EQ(values(g, "bn.shift"), std::vector<float>(4, 0.0f));
  double bound = std::sqrt(6.0 / (4 + 2));
  for (float v : values(g, "fc.weight")) EXPECT_LE(std::abs(v), bound);
  auto w = values(g, "c1.weight");
  EXPECT_GT(stats(w).stddev, 0.0);
}

TEST(InitializeParams, HeNormalHasTheRightDistribution) {
  ir::Graph g;
  g.add_node(param("big.weight", {256, 64, 3, 3}, ir::ParamInit::HeNormal, 576, 2304));
  initialize_params(g, "he", 42);
  auto s = stats(value(g, "big.weight").data());
  double expected = std::sqrt(2.0 / 576), n = 256 * 64 * 9;
  EXPECT_NEAR(s.mean, 0.0, 4 * expected / std::sqrt(n));
  EXPECT_NEAR(s.stddev, expected, 0.01 * expected);
  EXPECT_GT(s.max_abs, 3.5 * expected);  // a normal, not a uniform, has tails
}

TEST(InitializeParams, XavierIsUniformWithTheRightBound) {
  ir::Graph g;
  g.add_node(param("big.weight", {512, 256}, ir::ParamInit::HeNormal, 256, 512));
  g.add_node(param("big.bias", {512}, ir::ParamInit::Bias));
  initialize_params(g, "xavier", 3);
  auto s = stats(value(g, "big.weight").data());
  double a = std::sqrt(6.0 / (256 + 512)), n = 512 * 256;
  EXPECT_LE(s.max_abs, a);
  EXPECT_GT(s.max_abs, 0.99 * a);
  EXPECT_NEAR(s.stddev, a / std::sqrt(3.0), 0.01 * a);
  EXPECT_NEAR(s.mean, 0.0, 4 * a / std::sqrt(3.0 * n));
  EXPECT_EQ(values(g, "big.bias"), std::vector<float>(512, 0.0f));
}

TEST(InitializeParams, ZerosKeepsOnes) {
  auto g = make_graph();
  initialize_params(g, "zeros", 1);
  EXPECT_EQ(values(g, "c1.weight"), std::vector<float>(108, 0.0f));
  EXPECT_EQ(values(g, "fc.weight"), std::vector<float>(8, 0.0f));
  EXPECT_EQ(values(g, "bn.scale"), std::vector<float>(4, 1.0f));
}

TEST(InitializeParams, UnknownMethodListsTheMethods) {
  auto g = make_graph();
  try {
    initialize_params(g, "kaiming", 1);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_CONTAINS(e.what(), "'kaiming'");
    EXPECT_CONTAINS(e.what(), "he, xavier, zeros");
  }
  EXPECT_FALSE(g.node(*g.find("c1.weight")).value.has_value());
}

TEST(Weights, SaveThenLoadRestoresEveryParam) {
  TempDir dir;
  auto path = dir.file("tiny.safetensors");
  auto g = make_graph();
  initialize_params(g, "he", 5);
  save_weights(g, path);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"tiny.safetensors"});
  EXPECT_EQ(safetensors::File::open(path).metadata().at("model"), "tiny");

  auto loaded = make_graph(/*reversed=*/true);
  load_weights(loaded, path);
  for (const auto& p : model_params())
    EXPECT_EQ(values(loaded, p.name), values(g, p.name)) << p.name;
}

TEST(Weights, SaveWithoutValuesNamesTheParams) {
  TempDir dir;
  auto g = make_graph();
  try {
    save_weights(g, dir.file("w.safetensors"));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_CONTAINS(e.what(), "c1.weight");
    EXPECT_CONTAINS(e.what(), "fc.weight");
  }
  EXPECT_TRUE(dir.entries().empty());
}

// A file with a tensor of another dtype, which safetensors::write cannot make.
void write_with_int_tensor(const std::string& path, const std::map<std::string, ir::Tensor>& floats,
                           const std::string& int_name) {
  nlohmann::json header;
  std::string data;
  for (const auto& [name, t] : floats) {
    header[name] = {{"dtype", "F32"},
                    {"shape", t.shape().dims},
                    {"data_offsets", {data.size(), data.size() + t.size() * 4}}};
    data.append(reinterpret_cast<const char*>(t.raw()), t.size() * 4);
  }
  header[int_name] = {
      {"dtype", "I64"}, {"shape", {4}}, {"data_offsets", {data.size(), data.size() + 32}}};
  data.append(32, '\0');
  std::string text = header.dump();
  uint64_t n = text.size();
  std::string bytes(reinterpret_cast<const char*>(&n), 8);
  bytes += text + data;
  write_bytes(path, {bytes.begin(), bytes.end()});
}

TEST(Weights, MismatchListsEveryProblemAndChangesNothing) {
  TempDir dir;
  auto path = dir.file("bad.safetensors");
  std::map<std::string, ir::Tensor> tensors = {
      {"c1.weight", ir::Tensor(ir::Shape{4, 3, 5, 5})},  // wrong shape
      // c1.bias missing
      {"bn.shift", ir::Tensor(ir::Shape{4})},
      {"fc.weight", ir::Tensor(ir::Shape{2, 4})},
      {"fc.wieght2", ir::Tensor(ir::Shape{2, 4})},  // extra
  };
  write_with_int_tensor(path, tensors, "bn.scale");  // wrong dtype

  auto g = make_graph();
  initialize_params(g, "he", 9);
  auto before = values(g, "fc.weight");
  try {
    load_weights(g, path);
    FAIL() << "expected WeightsError";
  } catch (const WeightsError& e) {
    std::string message = e.what();
    EXPECT_CONTAINS(message, path);
    EXPECT_CONTAINS(message, "'tiny'");
    EXPECT_EQ(e.problems.size(), 4u) << message;
    EXPECT_CONTAINS(message, "'c1.weight': shape [4, 3, 5, 5], expected [4, 3, 3, 3]");
    EXPECT_CONTAINS(message, "'c1.bias': missing (expected shape [4])");
    EXPECT_CONTAINS(message, "'bn.scale': dtype I64");
    EXPECT_CONTAINS(message, "'fc.wieght2': in the file but the model has no such parameter");
    EXPECT_CONTAINS(message, "did you mean 'fc.weight'?");
  }
  // fc.weight matched the file (zeros) but must not have been loaded.
  EXPECT_EQ(values(g, "fc.weight"), before);
}

TEST(Weights, CorruptFileIsAnIoErrorAndChangesNothing) {
  TempDir dir;
  auto path = dir.file("w.safetensors");
  auto g = make_graph();
  initialize_params(g, "he", 1);
  save_weights(g, path);
  auto bytes = testing::read_bytes(path);
  bytes.resize(bytes.size() - 3);
  write_bytes(path, bytes);

  auto target = make_graph();
  initialize_params(target, "zeros", 1);
  EXPECT_THROW(load_weights(target, path), IoError);
  EXPECT_EQ(values(target, "c1.weight"), std::vector<float>(108, 0.0f));
  EXPECT_THROW(load_weights(target, dir.file("absent.safetensors")), IoError);
}

}  // namespace
}  // namespace cnnc
