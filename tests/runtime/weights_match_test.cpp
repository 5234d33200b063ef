// load_matching_weights: transfer learning from another model's weights,
// matched by name and shape (PyTorch's load_state_dict(strict=False)).
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "runtime/safetensors.h"
#include "runtime/weights.h"
#include "tests/runtime/test_util.h"

namespace cnnc {
namespace {

using testing::TempDir;
using testing::write_bytes;
using Reason = WeightsMatch::Skipped::Reason;

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

// A conv layer, a batchnorm and a dense head of `classes` units, plus
// `extra` (a parameter only this model has) when not empty.
ir::Graph make_graph(const std::string& name, int64_t classes, const std::string& extra = "") {
  ir::Graph g;
  g.name = name;
  ir::Node input;
  input.kind = ir::NodeKind::Input;
  input.name = "x";
  input.outputs = {ir::Shape{ir::kBatch, 3, 8, 8}};
  g.add_node(input);
  for (auto& p :
       {param("c1.weight", {4, 3, 3, 3}, ir::ParamInit::HeNormal, 27, 36),
        param("c1.bias", {4}, ir::ParamInit::Bias, 27, 4),
        param("bn.scale", {4}, ir::ParamInit::Ones), param("bn.shift", {4}, ir::ParamInit::Zeros),
        param("logits.weight", {classes, 4}, ir::ParamInit::XavierUniform, 4, classes),
        param("logits.bias", {classes}, ir::ParamInit::Bias, 4, classes)})
    g.add_node(p);
  if (!extra.empty()) g.add_node(param(extra, {5}, ir::ParamInit::XavierUniform, 3, 5));
  return g;
}

std::vector<float> values(const ir::Graph& g, const std::string& name) {
  auto d = g.node(*g.find(name)).value->data();
  return {d.begin(), d.end()};
}

// Every parameter's values, by name.
std::map<std::string, std::vector<float>> all_values(const ir::Graph& g) {
  std::map<std::string, std::vector<float>> out;
  for (auto id : g.param_nodes()) out[g.node(id).name] = values(g, g.node(id).name);
  return out;
}

TEST(LoadMatchingWeights, LoadsWhatMatchesAndReportsTheRest) {
  TempDir dir;
  const auto path = dir.file("pretrained.safetensors");
  auto pretrained = make_graph("pretrained", 10, "old.weight");
  initialize_params(pretrained, "he", 5);
  // Away from any initialization, so that even batchnorm's loaded values
  // (1 and 0 when initialized) show they came from the file.
  for (auto id : pretrained.param_nodes())
    for (auto& v : pretrained.node(id).value->data()) v += 0.5f;
  save_weights(pretrained, path);

  auto model = make_graph("finetuned", 5, "new.weight");
  initialize_params(model, "he", 9);
  const auto before = all_values(model);
  const WeightsMatch m = load_matching_weights(model, path);

  EXPECT_EQ(m.params, 7);
  EXPECT_EQ(m.loaded, (std::vector<std::string>{"c1.weight", "c1.bias", "bn.scale", "bn.shift"}));
  ASSERT_EQ(m.skipped.size(), 3u);
  EXPECT_EQ(m.skipped[0].name, "logits.weight");
  EXPECT_EQ(m.skipped[0].reason, Reason::ShapeDiffers);
  EXPECT_EQ(m.skipped[0].file_shape, (ir::Shape{10, 4}));
  EXPECT_EQ(m.skipped[0].model_shape, (ir::Shape{5, 4}));
  EXPECT_EQ(m.skipped[1].name, "logits.bias");
  EXPECT_EQ(m.skipped[1].reason, Reason::ShapeDiffers);
  EXPECT_EQ(m.skipped[2].name, "old.weight");
  EXPECT_EQ(m.skipped[2].reason, Reason::NotInModel);
  EXPECT_EQ(m.skipped[2].file_shape, (ir::Shape{5}));
  EXPECT_EQ(m.skipped[0].describe(),
            "'logits.weight': shape [10, 4] in the file, [5, 4] in the model");
  EXPECT_EQ(m.skipped[2].describe(), "'old.weight' [5]: the model has no such parameter");
  ASSERT_EQ(m.not_in_file.size(), 1u);
  EXPECT_EQ(m.not_in_file[0].name, "new.weight");
  EXPECT_EQ(m.not_in_file[0].shape, (ir::Shape{5}));

  EXPECT_EQ(m.summary("P"),
            "loaded 4 of 7 parameters from P; initialized: logits.weight [5, 4], logits.bias [5] "
            "(the file's are [10, 4], [10]); new.weight [5] (not in the file); unused from the "
            "file (no such parameter): old.weight");

  // The loaded values are the file's, bit for bit; the rest are untouched.
  for (const auto& name : m.loaded)
    EXPECT_EQ(values(model, name), values(pretrained, name)) << name;
  for (const auto& name : {"logits.weight", "logits.bias", "new.weight"})
    EXPECT_EQ(values(model, name), before.at(name)) << name;
  EXPECT_NE(values(model, "c1.weight"), before.at("c1.weight"));
}

TEST(LoadMatchingWeights, TheSameModelLoadsEverything) {
  TempDir dir;
  const auto path = dir.file("w.safetensors");
  auto source = make_graph("m", 3);
  initialize_params(source, "he", 1);
  save_weights(source, path);
  auto model = make_graph("m", 3);
  initialize_params(model, "he", 2);
  const WeightsMatch m = load_matching_weights(model, path);
  EXPECT_EQ(m.loaded.size(), 6u);
  EXPECT_TRUE(m.skipped.empty());
  EXPECT_TRUE(m.not_in_file.empty());
  EXPECT_EQ(m.summary("w"), "loaded 6 of 6 parameters from w");
  EXPECT_EQ(all_values(model), all_values(source));
}

// A safetensors file of raw tensors: name, dtype, shape and bytes.
struct RawTensor {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

void write_raw(const std::string& path, const std::vector<RawTensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& t : tensors) {
    header[t.name] = {{"dtype", t.dtype},
                      {"shape", t.shape},
                      {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
    data += t.bytes;
  }
  std::string text = header.dump();
  uint64_t n = text.size();
  std::string bytes(reinterpret_cast<const char*>(&n), 8);
  bytes += text + data;
  write_bytes(path, {bytes.begin(), bytes.end()});
}

template <class T>
std::string raw_bytes(const std::vector<T>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)};
}

TEST(LoadMatchingWeights, ConvertsFloatDtypesAndSkipsOthers) {
  TempDir dir;
  const auto path = dir.file("mixed.safetensors");
  write_raw(path, {{"c1.bias", "F64", {4}, raw_bytes(std::vector<double>{1.5, -2, 0.25, 3})},
                   {"bn.scale", "I64", {4}, raw_bytes(std::vector<int64_t>{1, 2, 3, 4})}});
  auto model = make_graph("m", 3);
  initialize_params(model, "he", 3);
  const auto before = all_values(model);
  const WeightsMatch m = load_matching_weights(model, path);

  EXPECT_EQ(m.loaded, std::vector<std::string>{"c1.bias"});
  EXPECT_EQ(values(model, "c1.bias"), (std::vector<float>{1.5f, -2.0f, 0.25f, 3.0f}));
  ASSERT_EQ(m.skipped.size(), 1u);
  EXPECT_EQ(m.skipped[0].name, "bn.scale");
  EXPECT_EQ(m.skipped[0].reason, Reason::NotFloat);
  EXPECT_EQ(m.skipped[0].dtype, "I64");
  EXPECT_CONTAINS(m.skipped[0].describe(), "'bn.scale': dtype I64");
  EXPECT_EQ(values(model, "bn.scale"), before.at("bn.scale"));
  EXPECT_EQ(m.not_in_file.size(), 4u);
  EXPECT_CONTAINS(m.summary("F"), "bn.scale [4] (the file's is I64)");
  EXPECT_CONTAINS(m.summary("F"),
                  "c1.weight [4, 3, 3, 3], bn.shift [4], logits.weight [3, 4], "
                  "logits.bias [3] (not in the file)");
}

TEST(LoadMatchingWeights, AFileWithNothingMatchingIsRefusedAndChangesNothing) {
  TempDir dir;
  const auto path = dir.file("other.safetensors");
  ir::Graph other;
  other.name = "mlp";
  other.add_node(param("fc1.weight", {8, 4}, ir::ParamInit::XavierUniform, 4, 8));
  other.add_node(param("logits.weight", {7, 4}, ir::ParamInit::XavierUniform, 4, 7));
  initialize_params(other, "he", 1);
  save_weights(other, path);

  auto model = make_graph("convnet", 3);
  initialize_params(model, "he", 4);
  const auto before = all_values(model);
  try {
    load_matching_weights(model, path);
    FAIL() << "expected WeightsError";
  } catch (const WeightsError& e) {
    const std::string message = e.what();
    EXPECT_CONTAINS(message, path);
    EXPECT_CONTAINS(message, "no tensor matches a parameter of model 'convnet'");
    EXPECT_CONTAINS(message, "written for model 'mlp'");
    EXPECT_EQ(e.problems.size(), 2u) << message;
    EXPECT_CONTAINS(message, "'logits.weight': shape [7, 4] in the file, [3, 4] in the model");
    EXPECT_CONTAINS(message, "'fc1.weight' [8, 4]: the model has no such parameter");
  }
  EXPECT_EQ(all_values(model), before);

  // Nor does an empty file match anything.
  const auto empty = dir.file("empty.safetensors");
  safetensors::write(empty, {});
  EXPECT_THROW(load_matching_weights(model, empty), WeightsError);
  EXPECT_EQ(all_values(model), before);
}

TEST(LoadMatchingWeights, CorruptOrAbsentFileIsAnIoErrorAndChangesNothing) {
  TempDir dir;
  const auto path = dir.file("w.safetensors");
  auto source = make_graph("m", 3);
  initialize_params(source, "he", 1);
  save_weights(source, path);
  auto bytes = testing::read_bytes(path);
  bytes.resize(bytes.size() - 3);
  write_bytes(path, bytes);

  auto model = make_graph("m", 3);
  initialize_params(model, "zeros", 1);
  const auto before = all_values(model);
  EXPECT_THROW(load_matching_weights(model, path), IoError);
  EXPECT_THROW(load_matching_weights(model, dir.file("absent.safetensors")), IoError);
  EXPECT_EQ(all_values(model), before);
}

}  // namespace
}  // namespace cnnc
