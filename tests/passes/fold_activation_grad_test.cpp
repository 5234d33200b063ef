// The training graph folds each backward activation that follows a pooling
// gradient into it, and the folded graph computes the same step.
#include <gtest/gtest.h>

#include <string>

#include "frontend/model_loader.h"
#include "passes/fold_activation_grad.h"
#include "passes/training_graph.h"
#include "runtime/registry.h"
#include "runtime/weights.h"

namespace cnnc::passes {
namespace {

TEST(FoldActivationGrad, LeNetsPoolingGradientsTakeTheirReLUs) {
  ir::Graph model = frontend::load_model(
      std::string(CNNC_SOURCE_DIR) + "/examples/models/lenet5.cnn", global_registry().ops);
  initialize_params(model, "he", 1);
  const TrainingGraph t = make_training_graph(model, global_registry().ops, {});
  int folded = 0;
  for (ir::NodeId id : t.graph.topological_order()) {
    const ir::Node& n = t.graph.node(id);
    if (n.op == "pool_grad" && n.attrs.get_ident("act") == "relu") ++folded;
    if (n.op == "activation_grad") {
      EXPECT_NE(t.graph.node(t.graph.inputs_of(id)[1].node).op, "pool_grad") << n.name;
    }
  }
  EXPECT_EQ(folded, 2);  // p1 and p2, after c1's and c2's ReLUs
}

TEST(FoldActivationGrad, OnlyWhenThePooledTensorIsTheActivationsOutput) {
  // relu r reads c; the pooling reads c, not r: nothing to fold.
  ir::Graph model = frontend::parse_model("m.cnn", R"(model m
input x [N, 1, 6, 6]
conv2d c filters=2 kernel=3 pad=1
relu r
maxpool p kernel=2 from=c
add s from=p,p
flatten
dense d units=3
output d
)",
                                          global_registry().ops);
  initialize_params(model, "he", 1);
  ir::Graph g = make_training_graph(model, global_registry().ops, {}).graph;
  EXPECT_EQ(fold_activation_grads(g), 0u);
}

TEST(FoldActivationGrad, AConvolutionAfterAnActivationTakesItsGradient) {
  ir::Graph model = frontend::parse_model("m.cnn", R"(model m
input x [N, 1, 6, 6]
conv2d c1 filters=2 kernel=3 pad=1
relu r
conv2d c2 filters=2 kernel=3 pad=1
flatten
dense d units=3
output d
)",
                                          global_registry().ops);
  initialize_params(model, "he", 1);
  const TrainingGraph t = make_training_graph(model, global_registry().ops, {});
  bool folded = false;
  for (ir::NodeId id : t.graph.topological_order()) {
    const ir::Node& n = t.graph.node(id);
    EXPECT_NE(n.op, "activation_grad") << n.name;
    if (n.op == "conv_grad_input" && n.attrs.get_ident("act") == "relu") folded = true;
  }
  EXPECT_TRUE(folded);
}

}  // namespace
}  // namespace cnnc::passes
