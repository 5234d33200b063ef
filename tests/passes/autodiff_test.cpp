// The autodiff pass: every trainable parameter's gradient, computed by the
// backward nodes it appends, against central finite differences of the
// loss (reference backend), for dense layers with every fused activation,
// standalone activations, flatten, bias or none, a tensor read twice,
// convolutions, every pooling, softmax, concat, reshape, broadcasting add
// and mul, and both losses.
#include "passes/autodiff.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "backends/reference/reference_backend.h"
#include "runtime/model.h"
#include "runtime/registry.h"

namespace cnnc::passes {
namespace {

ir::Graph load(const std::string& name, const std::string& text) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(CNNC_BINARY_DIR) / "autodiff_test";
  fs::create_directories(dir);
  std::string path = (dir / (name + ".cnn")).string();
  std::ofstream(path) << text;
  ModelOptions options;
  options.init = "xavier";
  options.seed = 5;
  options.pipeline = "check";
  return load_model(path, global_registry(), options);
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

double loss_of(const ir::Graph& g, ir::TensorRef loss, const std::vector<ir::Tensor>& inputs) {
  ir::Graph copy = g;
  copy.set_outputs({loss});
  auto exe = global_registry().backends.find("reference")->compile(copy, {});
  return exe->run(inputs).at(0)[0];
}

// Each gradient `got[k + 1]` against (L(p + h) - L(p - h)) / 2h. Where the
// interval crosses a kink of a piecewise-linear op (a max pooling window
// whose maximum changes hands) the central difference averages two slopes;
// the gradient must then match one one-sided difference instead.
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

// Every gradient the pass builds equals (L(p + h) - L(p - h)) / 2h.
void expect_gradients_match_finite_differences(const std::string& name, const std::string& text) {
  ir::Graph g = load(name, text);
  const ir::TensorRef loss = add_loss(g);
  ir::Graph forward = g;
  auto grads = append_backward(g, global_registry().ops, loss);
  ASSERT_FALSE(grads.empty());
  std::vector<ir::TensorRef> outs{loss};
  for (const auto& pg : grads) outs.push_back(pg.gradient);
  g.set_outputs(outs);

  // Seeded so that no pre-activation lies within h of a ReLU-like kink: a
  // finite difference across one measures the mean of two slopes (seed 11
  // put a leaky_relu input of d1 there).
  std::mt19937 rng(12);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const ir::Shape in_shape = g.node(g.input_nodes().at(0)).outputs.at(0).with_batch(3);
  ir::Tensor x(in_shape), labels(ir::Shape{3}, {0.0f, 2.0f, 1.0f});
  for (float& v : x.data()) v = u(rng);
  std::vector<ir::Tensor> inputs{x, labels};
  auto exe = global_registry().backends.find("reference")->compile(g, {});
  auto got = exe->run(inputs);

  expect_matches_finite_differences(name, forward, grads, got, loss, inputs);
}

TEST(Autodiff, DenseWithEveryFusedActivation) {
  for (const char* act : {"none", "relu", "leaky_relu", "tanh", "sigmoid", "elu"}) {
    SCOPED_TRACE(act);
    expect_gradients_match_finite_differences(std::string("dense_") + act, std::string(R"(
model mlp
input x [N, 5]
dense d1 units=4 act=)") + act + R"(
dense d2 units=3 bias=false
output d2
)");
  }
}

TEST(Autodiff, StandaloneActivationsFlattenAndATensorReadTwice) {
  expect_gradients_match_finite_differences("mixed", R"(
model mixed
input x [N, 2, 2, 2]
flatten f
dense d1 units=6
tanh t
sigmoid s from=t
elu e from=t
add sum from=s,e
leaky_relu lr alpha=0.2
dense d2 units=3
output d2
)");
}

TEST(Autodiff, ConvolutionsWithStridePaddingDilationAndGroups) {
  expect_gradients_match_finite_differences("conv2d", R"(
model convs
input x [N, 2, 7, 6]
conv2d c1 filters=4 kernel=3 stride=2 pad=1 act=tanh
conv2d c2 filters=4 kernel=[2, 3] dilation=[2, 1] groups=2 pad=same bias=false
conv2d c3 filters=2 kernel=1 groups=2 act=sigmoid
flatten f
dense d units=3
output d
)");
  expect_gradients_match_finite_differences("conv1d_3d", R"(
model convs13
input x [N, 2, 3, 4, 4]
conv3d c3 filters=2 kernel=[2, 3, 3] pad=[0, 1, 1] stride=[1, 2, 1] act=elu
reshape r shape=[4, 8]
conv1d c1 filters=3 kernel=3 pad=2 dilation=2 act=tanh
flatten f
dense d units=3
output d
)");
}

TEST(Autodiff, EveryPoolingKind) {
  for (const char* pool : {"maxpool p kernel=3 stride=2 pad=1 ceil_mode=true",
                           "maxpool p kernel=2 dilation=2", "avgpool p kernel=3 stride=2 pad=1",
                           "avgpool p kernel=3 stride=2 pad=1 count_include_pad=true",
                           "avgpool p kernel=2 ceil_mode=true", "l2pool p kernel=2 stride=2",
                           "global_maxpool p", "global_avgpool p"}) {
    SCOPED_TRACE(pool);
    expect_gradients_match_finite_differences("pool", std::string(R"(
model pools
input x [N, 1, 9, 9]
conv2d c filters=3 kernel=2 act=tanh
)") + pool + R"(
flatten f
dense d units=3
output d
)");
  }
}

TEST(Autodiff, SoftmaxConcatReshapeAndBroadcastingAddAndMul) {
  expect_gradients_match_finite_differences("misc", R"(
model misc
input x [N, 2, 3, 3]
conv2d c filters=4 kernel=3 pad=1 act=tanh
global_avgpool g
conv2d s filters=4 kernel=1 act=sigmoid
mul scaled from=c,s
add shifted from=scaled,g
softmax sm axis=1 from=shifted
log_softmax lsm axis=-1 from=shifted
concat both axis=2 from=sm,lsm
reshape r shape=[6, 12]
flatten f
dense d units=3
output d
)");
}

TEST(Autodiff, MeanSquaredErrorAgainstAParameterDependentTarget) {
  ir::Graph g = load("mse", R"(
model mse
input x [N, 4]
dense p units=3 act=tanh
dense t units=3 from=x
output p
)");
  ir::Node loss{.kind = ir::NodeKind::Op, .name = "loss", .op = "mse_loss"};
  loss.outputs = {ir::Shape{1}};
  const ir::NodeId id = g.add_node(std::move(loss));
  g.connect({*g.find("p"), 0}, id, 0);
  g.connect({*g.find("t"), 0}, id, 1);
  const ir::Graph forward = g;
  auto grads = append_backward(g, global_registry().ops, {id, 0});
  ASSERT_EQ(grads.size(), 4u);  // both layers' weights and biases
  std::vector<ir::TensorRef> outs{{id, 0}};
  for (const auto& pg : grads) outs.push_back(pg.gradient);
  g.set_outputs(outs);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  ir::Tensor x(ir::Shape{2, 4});
  for (float& v : x.data()) v = u(rng);
  std::vector<ir::Tensor> inputs{x};
  auto got = global_registry().backends.find("reference")->compile(g, {})->run(inputs);
  expect_matches_finite_differences("mse", forward, grads, got, {id, 0}, inputs);
}

TEST(Autodiff, AnOpWithoutARuleIsAnErrorNamingTheLayer) {
  ir::Graph g = load("no_rule", R"(
model no_rule
input x [N, 1, 4, 4]
slice n axis=1 start=0 length=1
flatten f
dense d units=3
output d
)");
  // slice has no rule, but nothing trainable is before it, but nothing trainable is before it:
  // fine.
  const ir::TensorRef loss = add_loss(g);
  EXPECT_NO_THROW(append_backward(g, global_registry().ops, loss));
  ir::Graph g2 = load("no_rule2", R"(
model no_rule2
input x [N, 1, 4, 4]
conv2d c filters=2 kernel=3 pad=1
slice n axis=1 start=0 length=1
flatten f
dense d units=3
output d
)");
  const ir::TensorRef loss2 = add_loss(g2);
  try {
    append_backward(g2, global_registry().ops, loss2);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'n': op 'slice' has no gradient rule"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace cnnc::passes
