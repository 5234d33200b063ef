#include "passes/batchnorm_folding.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "frontend/model_loader.h"
#include "passes/shape_inference.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "runtime/weights.h"
#include "tests/backends/test_util.h"
#include "tests/passes/pass_test_util.h"

namespace cnnc::passes::testing {
namespace {

namespace fs = std::filesystem;
using ir::kBatch;
using ir::Shape;

// x -> conv c (2 filters, 1x1, `conv_options`) -> batchnorm bn -> relu y,
// every parameter filled with a constant.
struct ConvBatchnorm {
  ir::OpRegistry ops = builtin_ops();
  ir::Graph g;
  explicit ConvBatchnorm(const std::string& conv_options = "") {
    g = frontend::parse_model("test.cnn",
                              "model m\ninput x [N, 1, 3, 3]\nconv2d c filters=2 kernel=1 " +
                                  conv_options + "\nbatchnorm bn\nrelu y\noutput y\n",
                              ops);
    infer_shapes(g, ops);
    for (auto [name, fill] : {std::pair{"c.weight", 2.0f},
                              {"c.bias", 1.0f},
                              {"bn.weight", 3.0f},
                              {"bn.bias", 0.5f},
                              {"bn.running_mean", 4.0f},
                              {"bn.running_var", 4.0f}})
      if (auto id = g.find(name)) {
        ir::Node& p = g.node(*id);
        p.value = ir::Tensor(
            p.param.shape, std::vector<float>(static_cast<size_t>(p.param.shape.elements()), fill));
      }
  }
  ir::NodeId id(const std::string& name) const { return g.find(name).value(); }
  size_t count(const std::string& op) const {
    size_t n = 0;
    for (auto v : g.topological_order()) n += g.node(v).op == op;
    return n;
  }
};

TEST(FoldBatchnorm, ScalesWeightsAndShiftsBias) {
  ConvBatchnorm t;
  const double eps = t.g.node(t.id("bn")).attrs.get_float("eps");
  ASSERT_EQ(fold_batchnorm(t.g), 1u);
  EXPECT_EQ(t.count("batchnorm"), 0u);
  ir::NodeId conv = t.id("c");
  auto in = t.g.inputs_of(conv);
  ASSERT_EQ(in.size(), 3u);
  const double scale = 3.0 / std::sqrt(4.0 + eps);
  const ir::Node& w = t.g.node(in[1].node);
  const ir::Node& b = t.g.node(in[2].node);
  EXPECT_EQ(w.name, "c.folded_weight");
  EXPECT_EQ(b.name, "c.folded_bias");
  EXPECT_EQ(w.param.role, ir::ParamRole::State);
  EXPECT_FLOAT_EQ((*w.value)[0], static_cast<float>(2.0 * scale));
  EXPECT_FLOAT_EQ((*b.value)[1], static_cast<float>((1.0 - 4.0) * scale + 0.5));
  EXPECT_EQ(t.g.inputs_of(t.id("y")), (std::vector<ir::TensorRef>{{conv, 0}}));
}

TEST(FoldBatchnorm, GivesALayerWithoutBiasOne) {
  ConvBatchnorm t("bias=false");
  ASSERT_EQ(fold_batchnorm(t.g), 1u);
  ir::NodeId conv = t.id("c");
  EXPECT_TRUE(t.g.node(conv).attrs.get_bool("bias"));
  auto in = t.g.inputs_of(conv);
  ASSERT_EQ(in.size(), 3u);
  EXPECT_EQ(t.g.node(in[2].node).name, "c.folded_bias");
  EXPECT_FLOAT_EQ((*t.g.node(in[2].node).value)[0],
                  static_cast<float>(-4.0 * 3.0 / std::sqrt(4.0 + 1e-5) + 0.5));
  infer_shapes(t.g, t.ops);  // the layer with its new bias is still well formed
}

TEST(FoldBatchnorm, LeavesWhatIsNotAnAffineMapAfterALayer) {
  {
    ConvBatchnorm t("act=relu");  // the activation sits between
    EXPECT_EQ(fold_batchnorm(t.g), 0u);
  }
  {
    ConvBatchnorm t;
    t.g.add_output({t.id("c"), 0});  // the convolution's own output is needed
    EXPECT_EQ(fold_batchnorm(t.g), 0u);
  }
  {
    ConvBatchnorm t;
    t.g.node(t.id("bn.running_var")).value.reset();  // no weights loaded
    EXPECT_EQ(fold_batchnorm(t.g), 0u);
  }
}

// Random batchnorm statistics written into the weights file before loading,
// so the pipeline folds them; the folded model must compute what the
// unfolded one does, on the reference backend.
TEST(FoldBatchnorm, FoldedModelComputesTheSame) {
  fs::path dir = fs::path(CNNC_BINARY_DIR) / "batchnorm_folding_test";
  fs::create_directories(dir);
  const std::string model = (dir / "m.cnn").string(), weights = (dir / "m.safetensors").string();
  std::ofstream(model) << R"(model m
input x [N, 3, 9, 9]
conv2d c1 filters=8 kernel=3 pad=1
batchnorm bn1
relu r1
conv2d c2 filters=5 kernel=3 stride=2 bias=false
batchnorm bn2
flatten f
dense d units=4
batchnorm bn3
output bn3
)";
  Registry& registry = global_registry();
  ir::Graph g = parse_model_file(model, registry);
  initialize_params(g, "he", 1);
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  for (auto id : g.param_nodes())
    if (g.node(id).name.starts_with("bn"))
      for (auto& v : g.node(id).value->data()) v = u(rng);
  save_weights(g, weights);

  auto run = [&](const std::string& pipeline) {
    ModelOptions options{.weights = weights, .pipeline = pipeline};
    ir::Graph graph = load_model(model, registry, options);
    std::mt19937 input_rng(9);
    std::vector<ir::Tensor> inputs{test_util::random_tensor(Shape{2, 3, 9, 9}, input_rng)};
    size_t batchnorms = 0;
    for (auto id : graph.topological_order()) {
      const ir::Node& n = graph.node(id);
      batchnorms += n.op == "batchnorm";
      if (n.body)
        for (auto inner : n.body->topological_order())
          batchnorms += n.body->node(inner).op == "batchnorm";
    }
    return std::pair{registry.backends.find("reference")->compile(graph, {})->run(inputs)[0],
                     batchnorms};
  };
  auto [want, unfolded_batchnorms] = run("inference-unfused");
  auto [got, folded_batchnorms] = run("inference");
  EXPECT_EQ(unfolded_batchnorms, 3u);
  EXPECT_EQ(folded_batchnorms, 0u);
  EXPECT_TRUE(test_util::tensors_near(got, want, 1e-5));
}

}  // namespace
}  // namespace cnnc::passes::testing
