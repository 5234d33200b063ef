// Halide lowering of the losses against the reference (the cases of
// tests/backends/training_layer_cases.h), and a bad label turning the loss
// into NaN instead of a plausible number.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/backends/training_layer_cases.h"
#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

TEST(HalideLoss, SoftmaxCrossEntropyAndMse) {
  Sweep sweep("loss", 5, 77);
  test_util::add_loss_cases(sweep);
  sweep.check();
}

TEST(HalideLoss, ALabelOutsideTheClassesGivesNaN) {
  test_util::Harness h;
  ir::Graph g;
  g.name = "bad_label";
  ir::Node logits{.kind = ir::NodeKind::Input, .name = "logits"};
  logits.outputs = {ir::Shape{N, 4}};
  ir::Node labels{.kind = ir::NodeKind::Input, .name = "labels"};
  labels.outputs = {ir::Shape{N}};
  auto a = g.add_node(std::move(logits)), b = g.add_node(std::move(labels));
  ir::Node loss{.kind = ir::NodeKind::Op, .name = "loss", .op = "softmax_cross_entropy"};
  loss.outputs = {ir::Shape{1}};
  auto l = g.add_node(std::move(loss));
  g.connect({a, 0}, l, 0);
  g.connect({b, 0}, l, 1);
  g.add_output({l, 0});
  auto exe = backends::halide::make_halide_backend(h.ops())->compile(g, {});
  ir::Tensor x(ir::Shape{2, 4});
  for (float bad : {4.0f, -1.0f, 1.5f}) {
    ir::Tensor y(ir::Shape{2}, {0.0f, bad});
    EXPECT_TRUE(std::isnan(exe->run(std::vector<ir::Tensor>{x, y}).at(0)[0])) << "label " << bad;
  }
  ir::Tensor good(ir::Shape{2}, {0.0f, 3.0f});
  EXPECT_NEAR(exe->run(std::vector<ir::Tensor>{x, good}).at(0)[0], std::log(4.0f), 1e-6);
}

}  // namespace
}  // namespace cnnc::halide_test
