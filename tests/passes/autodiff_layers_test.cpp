// Gradients of the layers beyond convolution, dense and pooling, and the
// training forms of batchnorm and dropout:
//  * every trainable parameter's gradient through conv_transpose2d (stride,
//    padding, output_padding, dilation, groups, fused activations, bias or
//    none), local2d, lrn, dropout (training, with a fixed step, and
//    inference) and batchnorm (training and inference, after a convolution
//    and after a dense layer) against central finite differences of the loss
//    (reference backend; one-sided differences accepted at kinks);
//  * batchnorm's training forward against hand-computed batch statistics,
//    and its running statistics after one training step against PyTorch's
//    update (momentum, unbiased variance);
//  * dropout masks depend only on (seed, step, layer): the same inputs give
//    the same mask, another step, seed or layer another, about 1 - rate of
//    the elements are kept, and dropout_grad redraws the forward's mask;
//  * make_training_graph switches batchnorm and dropout to their training
//    forms (evaluation keeps the inference form), and a small residual
//    network with batchnorm and dropout trains with training::Trainer: the
//    loss falls and the running statistics move.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "ir/ops/dropout_mask.h"
#include "passes/autodiff.h"
#include "passes/training_graph.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "runtime/trainer.h"

namespace cnnc::passes {
namespace {

ir::Graph load(const std::string& name, const std::string& text) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(CNNC_BINARY_DIR) / "autodiff_layers_test";
  fs::create_directories(dir);
  std::string path = (dir / (name + ".cnn")).string();
  std::ofstream(path) << text;
  ModelOptions options;
  options.init = "xavier";
  options.seed = 5;
  options.pipeline = "check";
  return load_model(path, global_registry(), options);
}

backends::Backend& reference() {
  return *global_registry().backends.find("reference");
}

// Appends softmax_cross_entropy of the model's output against a `labels`
// input; returns the loss tensor.
ir::TensorRef add_loss(ir::Graph& g) {
  ir::Node labels{.kind = ir::NodeKind::Input, .name = "labels"};
  labels.outputs = {ir::Shape{ir::kBatch}};
  const ir::TensorRef logits = g.outputs().at(0);
  const ir::NodeId l = g.add_node(std::move(labels));
  ir::Node loss{.kind = ir::NodeKind::Op, .name = "loss", .op = "softmax_cross_entropy"};
  loss.outputs = {ir::Shape{1}};
  const ir::NodeId id = g.add_node(std::move(loss));
  g.connect(logits, id, 0);
  g.connect({l, 0}, id, 1);
  return {id, 0};
}

// As make_training_graph does: batchnorm and dropout in training form, the
// dropouts reading a step counter, here fixed at `step` so that every
// evaluation of the loss draws the same masks.
void to_training_form(ir::Graph& g, float step) {
  ir::Node s{.kind = ir::NodeKind::Param, .name = "train.step"};
  s.param = {.suffix = "step", .shape = ir::Shape{1}, .role = ir::ParamRole::State};
  s.outputs = {ir::Shape{1}};
  s.value = ir::Tensor(ir::Shape{1}, {step});
  const ir::NodeId step_node = g.add_node(std::move(s));
  for (ir::NodeId id : g.topological_order()) {
    ir::Node& n = g.node(id);
    if (n.kind != ir::NodeKind::Op || (n.op != "batchnorm" && n.op != "dropout")) continue;
    n.attrs.set("training", true);
    if (n.op == "dropout") g.connect({step_node, 0}, id, 1);
  }
}

// Replaces batchnorm parameters' initial values (ones and zeros) by random
// ones, so that gamma, beta and the running statistics all matter.
void randomize_batchnorm_params(ir::Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  for (ir::NodeId p : g.param_nodes()) {
    ir::Node& n = g.node(p);
    const std::string& s = n.param.suffix;
    if (n.name.rfind("bn", 0) != 0 || !n.value) continue;
    for (float& v : n.value->data())
      v = s == "weight" || s == "running_var" ? u(rng) : u(rng) - 1.0f;
  }
}

double loss_of(const ir::Graph& g, ir::TensorRef loss, const std::vector<ir::Tensor>& inputs) {
  ir::Graph copy = g;
  copy.set_outputs({loss});
  return reference().compile(copy, {})->run(inputs).at(0)[0];
}

// Each gradient `got[k + 1]` against (L(p + h) - L(p - h)) / 2h. Where the
// interval crosses a kink of a piecewise-linear op (a ReLU whose input
// changes sign) the central difference averages two slopes; the gradient
// must then match one one-sided difference instead.
void expect_matches_finite_differences(const std::string& name, const ir::Graph& forward,
                                       const std::vector<ParamGradient>& grads,
                                       const std::vector<ir::Tensor>& got, ir::TensorRef loss,
                                       const std::vector<ir::Tensor>& inputs) {
  const double at_p = loss_of(forward, loss, inputs);
  for (size_t k = 0; k < grads.size(); ++k) {
    const ir::Node& param = forward.node(grads[k].param);
    const ir::Tensor& grad = got.at(k + 1);
    ASSERT_EQ(grad.shape(), param.value->shape()) << param.name;
    for (int64_t i = 0; i < grad.size(); ++i) {
      ir::Graph plus = forward, minus = forward;
      const float h = 1e-3f;
      (*plus.node(grads[k].param).value)[i] += h;
      (*minus.node(grads[k].param).value)[i] -= h;
      const double up = loss_of(plus, loss, inputs), down = loss_of(minus, loss, inputs);
      const double central = (up - down) / (2 * h);
      auto close = [&](double numeric) {
        return std::abs(grad[i] - numeric) <= 1e-3 + 1e-2 * std::abs(numeric);
      };
      EXPECT_TRUE(close(central) || close((up - at_p) / h) || close((at_p - down) / h))
          << name << ": " << param.name << "[" << i << "] = " << grad[i] << ", central difference "
          << central << ", one-sided " << (up - at_p) / h << " and " << (at_p - down) / h;
    }
  }
}

struct CheckOptions {
  bool training = false;  // batchnorm and dropout in training form
  float step = 7;         // the dropout step counter when training
  bool random_batchnorm = false;
};

// Every trainable parameter's gradient the pass builds equals the finite
// differences of the loss. Returns the number of parameters checked.
size_t expect_gradients_match_finite_differences(const std::string& name, const std::string& text,
                                                 CheckOptions o = {}) {
  ir::Graph g = load(name, text);
  if (o.random_batchnorm) randomize_batchnorm_params(g, 9);
  if (o.training) to_training_form(g, o.step);
  const ir::TensorRef loss = add_loss(g);
  ir::Graph forward = g;
  auto grads = append_backward(g, global_registry().ops, loss);
  size_t trainable = 0;
  for (ir::NodeId p : forward.param_nodes())
    trainable += forward.node(p).param.role == ir::ParamRole::Trainable;
  EXPECT_EQ(grads.size(), trainable) << name << ": every trainable parameter gets a gradient";
  std::vector<ir::TensorRef> outs{loss};
  for (const auto& pg : grads) outs.push_back(pg.gradient);
  g.set_outputs(outs);

  std::mt19937 rng(12);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const ir::Shape in_shape = g.node(g.input_nodes().at(0)).outputs.at(0).with_batch(3);
  ir::Tensor x(in_shape), labels(ir::Shape{3}, {0.0f, 2.0f, 1.0f});
  for (float& v : x.data()) v = u(rng);
  std::vector<ir::Tensor> inputs{x, labels};
  auto got = reference().compile(g, {})->run(inputs);

  expect_matches_finite_differences(name, forward, grads, got, loss, inputs);
  return grads.size();
}

TEST(AutodiffLayers, TransposedConvolutionWithStridePaddingDilationAndGroups) {
  // c gives the transposed convolutions an input that needs a gradient.
  expect_gradients_match_finite_differences("conv_transpose", R"(
model tconv
input x [N, 2, 3, 4]
conv2d c filters=2 kernel=1 act=tanh
conv_transpose2d t1 filters=4 kernel=3 stride=2 pad=1 output_padding=1 act=tanh
conv_transpose2d t2 filters=2 kernel=[2, 3] dilation=[2, 1] output_padding=[1, 0] groups=2 pad=[0, 1, 1, 0] bias=false act=sigmoid
conv_transpose2d t3 filters=3 kernel=2 stride=[1, 2] act=elu
flatten f
dense d units=3
output d
)");
}

TEST(AutodiffLayers, LocallyConnected) {
  expect_gradients_match_finite_differences("local", R"(
model local
input x [N, 2, 5, 5]
conv2d c filters=2 kernel=1 act=tanh
local2d l1 filters=3 kernel=[2, 3] stride=[1, 2] pad=[1, 0, 0, 1] act=elu
local2d l2 filters=2 kernel=2 bias=false act=tanh
flatten f
dense d units=3
output d
)");
}

TEST(AutodiffLayers, LocalResponseNormalization) {
  for (const char* lrn : {"lrn n size=3 alpha=0.5 beta=0.75 k=1",
                          "lrn n size=4 alpha=2 beta=1.5 k=2", "lrn n size=7 alpha=1 beta=0.5"}) {
    SCOPED_TRACE(lrn);
    expect_gradients_match_finite_differences("lrn", std::string(R"(
model lrn
input x [N, 2, 3, 3]
conv2d c filters=5 kernel=3 pad=1
)") + lrn + R"(
flatten f
dense d units=3
output d
)");
  }
}

TEST(AutodiffLayers, DropoutInTrainingWithAFixedStepAndAtInference) {
  const std::string text = R"(
model drop
input x [N, 6]
dense d1 units=8 act=tanh
dropout dr rate=0.4 seed=3
dense d2 units=5 act=tanh
dropout dr2 rate=0.25
dense d3 units=3
output d3
)";
  expect_gradients_match_finite_differences("dropout_training", text, {.training = true});
  expect_gradients_match_finite_differences("dropout_training_step", text,
                                            {.training = true, .step = 123});
  expect_gradients_match_finite_differences("dropout_inference", text);
}

TEST(AutodiffLayers, BatchnormInTrainingAndInference) {
  const std::string text = R"(
model bn
input x [N, 2, 3, 3]
conv2d c filters=3 kernel=2
batchnorm bn1
tanh t
flatten f
dense d units=4
batchnorm bn2 eps=0.01
sigmoid s
dense d2 units=3
output d2
)";
  expect_gradients_match_finite_differences("bn_training", text,
                                            {.training = true, .random_batchnorm = true});
  expect_gradients_match_finite_differences("bn_inference", text, {.random_batchnorm = true});
}

// One op node reading Input nodes x0, x1, ... (their exact shapes) and
// Param nodes for `params` (named `<layer>.<suffix>`), run on the reference
// backend.
struct OneOp {
  ir::Graph g;
  ir::NodeId op;
  std::vector<ir::Tensor> inputs;

  OneOp(const std::string& op_name, const std::string& layer, std::vector<ir::Tensor> data,
        std::vector<std::pair<std::string, ir::Tensor>> params,
        std::map<std::string, ir::AttrValue> attrs) {
    const ir::OpDef& def = *global_registry().ops.find(op_name);
    ir::Node node{.kind = ir::NodeKind::Op, .name = layer, .op = op_name};
    for (const auto& spec : def.attrs) {
      auto it = attrs.find(spec.name);
      if (it != attrs.end())
        node.attrs.set(spec.name, ir::coerce_attr(spec, it->second));
      else if (spec.default_value)
        node.attrs.set(spec.name, *spec.default_value);
    }
    std::vector<ir::TensorRef> refs;
    std::vector<ir::Shape> shapes;
    for (size_t i = 0; i < data.size(); ++i) {
      ir::Node in{.kind = ir::NodeKind::Input, .name = "x" + std::to_string(i)};
      in.outputs = {data[i].shape()};
      shapes.push_back(data[i].shape());
      refs.push_back({g.add_node(std::move(in)), 0});
    }
    for (auto& [suffix, value] : params) {
      ir::Node p{.kind = ir::NodeKind::Param, .name = layer + "." + suffix};
      p.param = {.suffix = suffix, .shape = value.shape(), .role = ir::ParamRole::State};
      p.outputs = {value.shape()};
      shapes.push_back(value.shape());
      p.value = value;
      refs.push_back({g.add_node(std::move(p)), 0});
    }
    node.outputs = def.infer(ir::OpContext{node.attrs, shapes, data.size()});
    op = g.add_node(std::move(node));
    for (size_t i = 0; i < refs.size(); ++i) g.connect(refs[i], op, static_cast<int>(i));
    g.set_outputs({{op, 0}});
    inputs = std::move(data);
  }
  ir::Tensor run() const { return reference().compile(g, {})->run(inputs).at(0); }
};

ir::Tensor random_tensor(const ir::Shape& shape, uint32_t seed, float lo = -2.0f, float hi = 3.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  ir::Tensor t(shape);
  for (float& v : t.data()) v = u(rng);
  return t;
}

// Mean and biased variance of channel c of [N, C, ...], in double.
std::pair<double, double> channel_stats(const ir::Tensor& x, int64_t c) {
  const int64_t n = x.shape()[0], channels = x.shape()[1], plane = x.size() / (n * channels);
  double sum = 0, sq = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < plane; ++i) sum += x[(b * channels + c) * plane + i];
  const double count = static_cast<double>(n * plane), mean = sum / count;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < plane; ++i) {
      const double d = x[(b * channels + c) * plane + i] - mean;
      sq += d * d;
    }
  return {mean, sq / count};
}

TEST(BatchnormTraining, ForwardNormalizesWithTheBatchStatistics) {
  const ir::Tensor x = random_tensor(ir::Shape{4, 2, 2, 3}, 1);
  const ir::Tensor weight(ir::Shape{2}, {1.5f, -0.5f}), bias(ir::Shape{2}, {0.25f, 0.125f});
  const ir::Tensor mean(ir::Shape{2}, {10.0f, -10.0f}), var(ir::Shape{2}, {100.0f, 0.01f});
  const double eps = 1e-3;
  auto run = [&](bool training) {
    return OneOp("batchnorm", "bn", {x},
                 {{"weight", weight}, {"bias", bias}, {"running_mean", mean}, {"running_var", var}},
                 {{"eps", eps}, {"training", training}})
        .run();
  };
  const ir::Tensor trained = run(true), inferred = run(false);
  for (int64_t c = 0; c < 2; ++c) {
    const auto [m, v] = channel_stats(x, c);
    for (int64_t b = 0; b < 4; ++b)
      for (int64_t i = 0; i < 6; ++i) {
        const int64_t at = (b * 2 + c) * 6 + i;
        EXPECT_NEAR(trained[at], (x[at] - m) / std::sqrt(v + eps) * weight[c] + bias[c], 1e-5)
            << "channel " << c << " item " << b << " at " << i;
        // Inference ignores the batch and takes the running statistics.
        EXPECT_NEAR(inferred[at], (x[at] - mean[c]) / std::sqrt(var[c] + eps) * weight[c] + bias[c],
                    1e-4);
      }
  }
  // The normalized channels have mean `bias` and (biased) standard deviation
  // |weight| (up to eps).
  const auto [m0, v0] = channel_stats(trained, 0);
  EXPECT_NEAR(m0, 0.25, 1e-5);
  EXPECT_NEAR(std::sqrt(v0),
              1.5 * std::sqrt(channel_stats(x, 0).second / (channel_stats(x, 0).second + eps)),
              1e-5);
}

TEST(BatchnormTraining, RunningStatisticsAfterOneStepFollowPyTorch) {
  ir::Graph model = load("bn_running", R"(
model bn_running
input x [N, 2, 2, 2]
batchnorm bn momentum=0.3
flatten f
dense d units=3
output d
)");
  const std::vector<float> old_mean{0.5f, -0.25f}, old_var{2.0f, 0.75f};
  *model.node(*model.find("bn.running_mean")).value = ir::Tensor(ir::Shape{2}, old_mean);
  *model.node(*model.find("bn.running_var")).value = ir::Tensor(ir::Shape{2}, old_var);
  const TrainingGraph t = make_training_graph(model, global_registry().ops, {});

  // The training graph normalizes with batch statistics; evaluation keeps
  // the running ones.
  const ir::Node& bn = t.graph.node(*t.graph.find("bn"));
  EXPECT_TRUE(bn.attrs.get_bool("training"));
  const ir::Graph eval = make_evaluation_graph(model, global_registry().ops);
  EXPECT_FALSE(eval.node(*eval.find("bn")).attrs.get_bool("training"));

  const ir::Tensor x = random_tensor(ir::Shape{5, 2, 2, 2}, 3);
  const ir::Tensor labels(ir::Shape{5}, {0, 1, 2, 1, 0});
  const std::vector<ir::Tensor> inputs{x, labels};
  const auto out = reference().compile(t.graph, {})->run(inputs);
  std::map<std::string, ir::Tensor> updated;
  for (const auto& u : t.updates) updated.emplace(u.param, out.at(u.output));
  ASSERT_TRUE(updated.count("bn.running_mean"));
  ASSERT_TRUE(updated.count("bn.running_var"));
  EXPECT_TRUE(updated.count("bn.weight") && updated.count("bn.bias"));
  const double momentum = 0.3, count = 5 * 4;
  for (int64_t c = 0; c < 2; ++c) {
    const auto [mean, biased] = channel_stats(x, c);
    // torch.nn.BatchNorm2d(momentum=0.3) in train mode:
    //   running_mean = (1 - momentum) * running_mean + momentum * mean
    //   running_var = (1 - momentum) * running_var + momentum * var(unbiased=True)
    EXPECT_NEAR(updated.at("bn.running_mean")[c],
                (1 - momentum) * old_mean[static_cast<size_t>(c)] + momentum * mean, 1e-6);
    EXPECT_NEAR(
        updated.at("bn.running_var")[c],
        (1 - momentum) * old_var[static_cast<size_t>(c)] + momentum * biased * count / (count - 1),
        1e-6);
  }
}

TEST(BatchnormTraining, OneValuePerChannelIsAnErrorNamingTheLayer) {
  const ir::Tensor x(ir::Shape{1, 2}, {1.0f, 2.0f});
  OneOp var("batchnorm_running_var", "bn.running_var.update", {x},
            {{"old", ir::Tensor(ir::Shape{2}, {1.0f, 1.0f})}}, {});
  try {
    var.run();
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'bn.running_var.update'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("more than one value per channel"), std::string::npos)
        << e.what();
  }
}

// Dropout's output for x = 1 everywhere: 1 / (1 - rate) where kept, 0 where
// dropped.
ir::Tensor dropout_of_ones(const std::string& layer, int64_t seed, float step, double rate,
                           int64_t items = 4, int64_t features = 5000) {
  ir::Tensor ones(ir::Shape{items, features});
  std::fill(ones.data().begin(), ones.data().end(), 1.0f);
  return OneOp("dropout", layer, {ones, ir::Tensor(ir::Shape{1}, {step})}, {},
               {{"rate", rate}, {"training", true}, {"seed", seed}})
      .run();
}

double kept_fraction(const ir::Tensor& t) {
  int64_t kept = 0;
  for (float v : t.data()) kept += v != 0.0f;
  return static_cast<double>(kept) / static_cast<double>(t.size());
}

bool same(const ir::Tensor& a, const ir::Tensor& b) {
  return std::equal(a.data().begin(), a.data().end(), b.data().begin(), b.data().end());
}

TEST(DropoutMask, DependsOnlyOnSeedStepAndLayer) {
  const double rate = 0.3;
  const ir::Tensor a = dropout_of_ones("drop", 11, 5, rate);
  // The same (seed, step, layer): bit for bit the same mask, as a resumed run needs.
  EXPECT_TRUE(same(a, dropout_of_ones("drop", 11, 5, rate)));
  for (float v : a.data()) ASSERT_TRUE(v == 0.0f || v == static_cast<float>(1 / (1 - rate))) << v;
  // Another step, seed or layer: another mask.
  for (const ir::Tensor& b :
       {dropout_of_ones("drop", 11, 6, rate), dropout_of_ones("drop", 12, 5, rate),
        dropout_of_ones("drop2", 11, 5, rate)}) {
    int64_t differ = 0;
    for (int64_t i = 0; i < a.size(); ++i) differ += (a[i] == 0.0f) != (b[i] == 0.0f);
    // Independent masks differ in 2 rate (1 - rate) = 42% of the elements.
    EXPECT_NEAR(static_cast<double>(differ) / static_cast<double>(a.size()), 2 * rate * (1 - rate),
                0.02);
  }
  // About 1 - rate kept (20000 draws: a standard deviation of 0.0032).
  EXPECT_NEAR(kept_fraction(a), 1 - rate, 0.015);
  EXPECT_NEAR(kept_fraction(dropout_of_ones("drop", 0, 1, 0.9)), 0.1, 0.015);
  EXPECT_EQ(kept_fraction(dropout_of_ones("drop", 0, 1, 0.0)), 1.0);

  // The mask does not depend on the data: x scaled where a kept its ones.
  ir::Tensor x = random_tensor(ir::Shape{4, 5000}, 4, 0.5f, 2.0f);
  const ir::Tensor y = OneOp("dropout", "drop", {x, ir::Tensor(ir::Shape{1}, {5.0f})}, {},
                             {{"rate", rate}, {"training", true}, {"seed", int64_t{11}}})
                           .run();
  for (int64_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(y[i], a[i] == 0.0f ? 0.0f : static_cast<float>(double{x[i]} / (1 - rate))) << i;

  // dropout_grad redraws the forward's mask from the layer's stream.
  ir::Tensor dy(ir::Shape{4, 5000});
  std::fill(dy.data().begin(), dy.data().end(), 1.0f);
  const ir::Tensor dx =
      OneOp(
          "dropout_grad", "drop.grad.input", {dy, ir::Tensor(ir::Shape{1}, {5.0f})}, {},
          {{"rate", rate}, {"seed", int64_t{11}}, {"stream", ir::dropout_mask::stream_of("drop")}})
          .run();
  EXPECT_TRUE(same(a, dx));

  // At inference dropout is the identity, step input or not.
  const ir::Tensor id = OneOp("dropout", "drop", {x}, {}, {{"rate", rate}}).run();
  EXPECT_TRUE(same(id, x));
}

TEST(DropoutMask, TrainingFormNeedsTheStep) {
  ir::Tensor x(ir::Shape{2, 3});
  EXPECT_THROW(OneOp("dropout", "drop", {x}, {}, {{"training", true}}), ir::OpError);
  EXPECT_THROW(OneOp("dropout", "drop", {x, ir::Tensor(ir::Shape{2})}, {}, {{"training", true}}),
               ir::OpError);
}

TEST(TrainingGraphForms, BatchnormAndDropoutTrainEvaluationKeepsInference) {
  const ir::Graph model = load("forms", R"(
model forms
input x [N, 1, 4, 4]
conv2d c filters=2 kernel=3 pad=1
batchnorm bn
relu r
flatten f
dropout dr rate=0.2
dense d units=3
output d
)");
  const TrainingGraph t = make_training_graph(model, global_registry().ops, {});
  const ir::NodeId dr = *t.graph.find("dr");
  EXPECT_TRUE(t.graph.node(dr).attrs.get_bool("training"));
  const auto inputs = t.graph.inputs_of(dr);
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(t.graph.node(inputs[1].node).name, t.step);
  EXPECT_TRUE(t.graph.node(*t.graph.find("bn")).attrs.get_bool("training"));
  bool dropout_grad = false;
  for (ir::NodeId id = 0; id < t.graph.size(); ++id)
    dropout_grad = dropout_grad || t.graph.node(id).op == "dropout_grad";
  EXPECT_TRUE(dropout_grad);
  std::set<std::string> updated;
  for (const auto& u : t.updates) updated.insert(u.param);
  for (const char* p :
       {"bn.running_mean", "bn.running_var", "bn.weight", "bn.bias", "c.weight", "d.weight"})
    EXPECT_TRUE(updated.count(p)) << p;

  const ir::Graph eval = make_evaluation_graph(model, global_registry().ops);
  EXPECT_FALSE(eval.node(*eval.find("bn")).attrs.get_bool("training"));
  EXPECT_FALSE(eval.node(*eval.find("dr")).attrs.get_bool("training"));
  EXPECT_EQ(eval.inputs_of(*eval.find("dr")).size(), 1u);
  // The model itself is untouched.
  EXPECT_FALSE(model.node(*model.find("bn")).attrs.get_bool("training"));
}

// A bright blob in one of four quadrants (as tests/runtime/trainer_test.cpp).
data::LabeledImages quadrants(int64_t n, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> noise(0.0f, 0.3f);
  data::LabeledImages set{ir::Tensor(ir::Shape{n, 1, 6, 6}), ir::Tensor(ir::Shape{n}), 4, {}};
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % 4, y0 = label / 2 * 3, x0 = label % 2 * 3;
    set.labels[i] = static_cast<float>(label);
    for (int64_t y = 0; y < 6; ++y)
      for (int64_t x = 0; x < 6; ++x) {
        const bool blob = y >= y0 && y < y0 + 2 && x >= x0 && x < x0 + 2;
        set.images[(i * 6 + y) * 6 + x] = noise(rng) + (blob ? 0.7f : 0.0f);
      }
  }
  return set;
}

// `name`: the model file's, one per test (CTest may run tests in parallel).
ir::Graph residual_model(const std::string& name) {
  return load(name, R"(
model resbn
input x [N, 1, 6, 6]
conv2d c1 filters=4 kernel=3 pad=1 bias=false
batchnorm b1
relu r1
conv2d c2 filters=4 kernel=3 pad=1 bias=false
batchnorm b2
add s from=b2,r1
relu r2
maxpool p kernel=2
flatten f
dropout dr rate=0.2
dense d units=4
softmax probs
output probs
)");
}

training::TrainOptions residual_options() {
  training::TrainOptions o;
  o.epochs = 5;
  o.batch = 16;
  o.optimizer.momentum = 0.9;
  o.lr.base = 0.05;
  o.seed = 7;
  return o;
}

TEST(TrainingWithBatchnorm, ResidualNetworkTrainsAndMovesTheRunningStatistics) {
  const training::TrainOptions o = residual_options();
  const ir::Graph model = residual_model("resbn_trains");
  const data::LabeledImages train = quadrants(96, 1), val = quadrants(40, 2);
  training::Trainer trainer(model, global_registry(), o);
  std::ostringstream log;
  const auto history = trainer.fit(train, &val, log);
  ASSERT_EQ(history.size(), 5u);
  EXPECT_LT(history.back().train_loss, 0.6 * history.front().train_loss) << log.str();
  EXPECT_GE(*history.back().val_acc, 0.9) << log.str();

  const auto weights = trainer.model_weights();
  for (const char* bn : {"b1", "b2"}) {
    const ir::Tensor& mean = weights.at(std::string(bn) + ".running_mean");
    const ir::Tensor& var = weights.at(std::string(bn) + ".running_var");
    for (int64_t c = 0; c < mean.size(); ++c) {
      EXPECT_NE(mean[c], 0.0f) << bn << " channel " << c << ": running mean never updated";
      EXPECT_NE(var[c], 1.0f) << bn << " channel " << c << ": running variance never updated";
      EXPECT_GT(var[c], 0.0f) << bn << " channel " << c;
    }
  }
}

// Dropout masks come from (seed, step, layer) and the running statistics
// are parameters, so a run stopped mid-epoch and resumed from its
// checkpoint ends bit for bit where an uninterrupted one does.
TEST(TrainingWithBatchnorm, StoppedAndResumedEqualsUninterrupted) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(CNNC_BINARY_DIR) / "autodiff_layers_test" / "resume";
  fs::remove_all(dir);
  const data::LabeledImages train = quadrants(96, 1);
  std::ostringstream log;
  training::TrainOptions o = residual_options();
  o.epochs = 3;
  o.run_dir = (dir / "straight").string();
  training::Trainer straight(residual_model("resbn_resume"), global_registry(), o);
  straight.fit(train, nullptr, log);

  o.run_dir = (dir / "stopped").string();
  int polls = 0;
  o.stop_requested = [&] { return ++polls == 8; };  // mid-epoch 2 (6 batches an epoch)
  {
    training::Trainer first(residual_model("resbn_resume"), global_registry(), o);
    EXPECT_THROW(first.fit(train, nullptr, log), training::TrainingInterrupted);
  }
  o.stop_requested = {};
  training::Trainer resumed(residual_model("resbn_resume"), global_registry(), o);
  resumed.resume();
  resumed.fit(train, nullptr, log);
  const auto a = straight.model_weights(), b = resumed.model_weights();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a)
    EXPECT_TRUE(std::equal(t.data().begin(), t.data().end(), b.at(name).data().begin())) << name;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cnnc::passes
