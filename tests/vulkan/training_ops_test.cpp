// The training graph's ops on the Vulkan backend against the reference,
// with the validation layer on: the shared backward and optimizer cases
// (tests/backends/backward_cases.h), the losses, softmax along every axis
// and its gradient, slice and reshape_like, batchnorm's training forms
// and dropout's masks (the cases of tests/backends/training_layer_cases.h,
// which tests/halide runs too; masks and kept values compared exactly,
// subnormal and huge values included), and tensors past the
// workgroup-count limit.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/backends/backward_cases.h"
#include "tests/backends/training_layer_cases.h"
#include "tests/vulkan/vulkan_sweep.h"

namespace cnnc::vulkan_test {
namespace {

using test_util::random_int;

// The whole shared list; activation_grad, dense_grad_*, sum_to_channels
// and sum_to_shape in it are lowered by ops/activation_grad.cpp,
// dense_grad.cpp and reduction.cpp.
TEST(VulkanTrainingOps, SharedSmallBackwardCases) {
  Sweep sweep("small_backward", 4, 31);
  test_util::add_small_backward_cases(sweep);
  sweep.check();
}

TEST(VulkanTrainingOps, SharedOptimizerUpdateCases) {
  Sweep sweep("optimizer", 3, 41);
  test_util::add_optimizer_update_cases(sweep);
  sweep.check();
}

// The ops of this file's lowerings beyond the shared cases: the gradients
// of losses, softmax along every axis, slice along inner and outer axes.
TEST(VulkanTrainingOps, ShapeSoftmaxAndLossGradients) {
  Sweep sweep("shape_softmax_loss_grad", 5, 3);
  sweep.add("reshape_like", {ir::Shape{N, 60}, ir::Shape{N, 3, 4, 5}});
  sweep.add("reshape_like", {ir::Shape{N, 2, 3, 5}, ir::Shape{N, 30}});
  for (int64_t axis : {0, 1, 2, 3, -1})
    for (bool log : {false, true}) {
      sweep.add("softmax_grad", {ir::Shape{N, 4, 3, 6}, ir::Shape{N, 4, 3, 6}},
                {{"axis", axis}, {"log", log}});
      // y is a forward output: probabilities, or their logarithms.
      for (float& v : sweep.last_inputs(2)[0].data()) v = log ? v - 2.0f : 0.5f + 0.5f * v;
    }
  sweep.add("softmax_grad", {ir::Shape{N, 1000}, ir::Shape{N, 1000}});
  sweep.add("slice", ir::Shape{N, 7, 3},
            {{"axis", int64_t{1}}, {"start", int64_t{2}}, {"length", int64_t{4}}});
  sweep.add("slice", ir::Shape{N, 7, 3, 5},
            {{"axis", int64_t{2}}, {"start", int64_t{0}}, {"length", int64_t{1}}});
  sweep.add("slice", ir::Shape{N, 7, 3, 5},
            {{"axis", int64_t{-1}}, {"start", int64_t{1}}, {"length", int64_t{4}}});
  sweep.add("slice", ir::Shape{N, 9}, {{"start", int64_t{0}}, {"length", int64_t{9}}});
  sweep.add("mse_loss_grad", {ir::Shape{N, 6}, ir::Shape{N, 6}, ir::Shape{1}});
  sweep.add("mse_loss_grad", {ir::Shape{N, 3, 5, 6}, ir::Shape{N, 3, 5, 6}, ir::Shape{1}});
  for (int64_t classes : {1, 10, 37}) {
    sweep.add("softmax_cross_entropy_grad", {ir::Shape{N, classes}, ir::Shape{N}, ir::Shape{1}});
    test_util::random_labels(sweep.last_inputs(3)[1], classes, sweep.rng());
  }
  sweep.check();
}

// The shared loss cases, and a batch larger than a workgroup.
TEST(VulkanTrainingOps, SoftmaxCrossEntropyAndMse) {
  for (int64_t batch : {5, 150}) {
    Sweep sweep(fmt::format("loss_{}", batch), batch, 77);
    test_util::add_loss_cases(sweep);
    // Far from zero: float partial sums of 10^5 squares of 3.5 or so.
    sweep.add("mse_loss", {ir::Shape{N, 8, 32, 32}, ir::Shape{N, 8, 32, 32}});
    for (float& x : sweep.last_inputs(2)[0].data()) x += 3.0f;
    sweep.check();
  }
}

// One layer `op` of inputs logits [N, 4] and labels [N] (and dloss [1] for
// the gradient) on the Vulkan backend.
std::vector<ir::Tensor> run_with_labels(const std::string& op, const ir::Tensor& labels) {
  test_util::Harness h;
  ir::Graph g;
  g.name = op;
  const bool grad = op.ends_with("_grad");
  std::vector<ir::Shape> shapes{ir::Shape{N, 4}, ir::Shape{N}};
  if (grad) shapes.push_back(ir::Shape{1});
  std::vector<ir::NodeId> ins;
  std::vector<ir::Tensor> inputs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    ir::Node in{.kind = ir::NodeKind::Input, .name = fmt::format("x{}", i)};
    in.outputs = {shapes[i]};
    ins.push_back(g.add_node(std::move(in)));
    inputs.push_back(ir::Tensor(shapes[i].with_batch(labels.size())));
  }
  ir::Node node{.kind = ir::NodeKind::Op, .name = "loss", .op = op};
  node.outputs = {grad ? ir::Shape{N, 4} : ir::Shape{1}};
  const ir::NodeId l = g.add_node(std::move(node));
  for (size_t i = 0; i < ins.size(); ++i) g.connect({ins[i], 0}, l, static_cast<int>(i));
  inputs[1] = labels;
  if (grad) inputs[2][0] = 1.0f;
  g.add_output({l, 0});
  ::setenv("CNNC_VULKAN_VALIDATION", "1", 1);
  return backends::vulkan::make_vulkan_backend(h.ops())->compile(g, {})->run(inputs);
}

// The reference stops with an error; a shader cannot, so the loss (and the
// gradient's row) is NaN rather than a plausible number.
TEST(VulkanTrainingOps, ALabelOutsideTheClassesGivesNaN) {
  for (float bad : {4.0f, -1.0f, 1.5f}) {
    const ir::Tensor labels(ir::Shape{2}, {0.0f, bad});
    EXPECT_TRUE(std::isnan(run_with_labels("softmax_cross_entropy", labels).at(0)[0]))
        << "label " << bad;
    const ir::Tensor dx = run_with_labels("softmax_cross_entropy_grad", labels).at(0);
    for (int64_t k = 0; k < 4; ++k) {
      EXPECT_NEAR(dx[k], k == 0 ? -0.375 : 0.125, 1e-6) << "label " << bad;  // (1/4 - onehot) / 2
      EXPECT_TRUE(std::isnan(dx[4 + k])) << "label " << bad;
    }
  }
  EXPECT_NEAR(
      run_with_labels("softmax_cross_entropy", ir::Tensor(ir::Shape{2}, {0.0f, 3.0f})).at(0)[0],
      std::log(4.0f), 1e-6);
}

TEST(VulkanTrainingOps, SoftmaxAlongEveryAxisOfA4DTensor) {
  Sweep sweep("softmax_axes", 3, 9);
  for (int64_t axis : {0, 1, 2, 3, -2})
    for (const char* op : {"softmax", "log_softmax"})
      sweep.add(op, ir::Shape{N, 5, 4, 6}, {{"axis", axis}});
  // A long axis in the middle, rows 72 apart, inputs far apart.
  sweep.add("softmax", ir::Shape{N, 300, 72}, {{"axis", int64_t{1}}});
  for (float& x : sweep.last_inputs(1)[0].data()) x *= 30.0f;
  sweep.add("log_softmax", ir::Shape{N, 300, 72}, {{"axis", int64_t{1}}});
  for (float& x : sweep.last_inputs(1)[0].data()) x *= 30.0f;
  sweep.check();
}

TEST(VulkanTrainingOps, BatchnormTrainingFormsOverRandomShapes) {
  for (int64_t batch : {1, 2, 5, 16}) {
    Sweep sweep(fmt::format("bn_train_{}", batch), batch, static_cast<uint32_t>(100 + batch));
    test_util::add_batchnorm_random_shape_cases(sweep, batch);
    sweep.check();
  }
}

// The shapes of a small residual net on 28 x 28 images, and a batch of 64:
// 50176 elements per channel in one workgroup's float sums.
TEST(VulkanTrainingOps, BatchnormOfResidualNetLayers) {
  Sweep sweep("bn_resnet", 64, 7);
  test_util::add_batchnorm_residual_net_cases(sweep);
  sweep.check();
}

// One value per channel estimates no variance: the reference stops with an
// error, the shader says NaN.
TEST(VulkanTrainingOps, RunningVarianceOfOneValuePerChannelIsNaN) {
  test_util::Harness h;
  ir::Graph g;
  g.name = "running_var";
  ir::Node x{.kind = ir::NodeKind::Input, .name = "x"},
      old{.kind = ir::NodeKind::Input, .name = "old"};
  x.outputs = {ir::Shape{N, 3}};
  old.outputs = {ir::Shape{3}};
  ir::Node var{.kind = ir::NodeKind::Op,
               .name = "var",
               .op = "batchnorm_running_var",
               .attrs = h.attrs("batchnorm_running_var", {})};
  var.outputs = {ir::Shape{3}};
  const ir::NodeId a = g.add_node(std::move(x)), b = g.add_node(std::move(old));
  const ir::NodeId v = g.add_node(std::move(var));
  g.connect({a, 0}, v, 0);
  g.connect({b, 0}, v, 1);
  g.add_output({v, 0});
  ::setenv("CNNC_VULKAN_VALIDATION", "1", 1);
  auto exe = backends::vulkan::make_vulkan_backend(h.ops())->compile(g, {});
  const ir::Tensor ones(ir::Shape{3}, {1.0f, 1.0f, 1.0f});
  const ir::Tensor one_item =
      exe->run(std::vector<ir::Tensor>{ir::Tensor(ir::Shape{1, 3}), ones}).at(0);
  for (int64_t c = 0; c < 3; ++c) EXPECT_TRUE(std::isnan(one_item[c]));
  // Two items: (1 - 0.1) 1 + 0.1 var, var of {0, 2} unbiased = 2.
  const ir::Tensor two_items =
      exe->run(std::vector<ir::Tensor>{
                   ir::Tensor(ir::Shape{2, 3}, {0.0f, 0.0f, 0.0f, 2.0f, 2.0f, 2.0f}), ones})
          .at(0);
  for (int64_t c = 0; c < 3; ++c) EXPECT_NEAR(two_items[c], 1.1f, 1e-6);
}

// Masks and kept values exact.
TEST(VulkanTrainingOps, DropoutMasksAreTheReferences) {
  for (int64_t batch : {1, 3, 8}) {
    Sweep sweep(fmt::format("dropout_{}", batch), batch, static_cast<uint32_t>(200 + batch));
    test_util::add_dropout_mask_cases(sweep);
    sweep.check(/*tol=*/0.0);
  }
}

// Two dropout layers alike but for their names draw different masks (the
// stream is the name's hash).
TEST(VulkanTrainingOps, DropoutLayersWithTheSameAttributesDrawTheirOwnMasks) {
  Sweep sweep("dropout_twins", 4, 17);
  test_util::add_dropout_twin_cases(sweep);
  sweep.check(/*tol=*/0.0);
}

// The kept values are the reference's float(double(x) / (1 - rate)), a
// product rounded twice, bit for bit: over every exponent, subnormal inputs
// and results among them, with scales whose doubles are not short, and
// steps from 5 to 5 10^18, around float's integer limit 2^24.
TEST(VulkanTrainingOps, DropoutKeptValuesAreExactOverEveryExponent) {
  Sweep sweep("dropout_exponents", 2, 29);
  auto& rng = sweep.rng();
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  const double rates[] = {0.1, 0.3, 0.7, 0.9, 1.0 / 3.0, 0.999};
  const float steps[] = {5.0f, 8388609.0f, 16777216.0f, 1.1e12f, 5.0e18f, 4.5e15f};
  for (int i = 0; i < 12; ++i) {
    const double rate = rates[i % 6];
    if (i % 2 == 0)
      sweep.add("dropout", {ir::Shape{N, 400}, ir::Shape{1}},
                {{"training", true}, {"rate", rate}, {"seed", int64_t{i}}});
    else
      sweep.add("dropout_grad", {ir::Shape{N, 400}, ir::Shape{1}},
                {{"rate", rate}, {"seed", int64_t{i}}, {"stream", int64_t{12345 + i}}});
    auto in = sweep.last_inputs(2);
    for (float& v : in[0].data()) {
      // Exponents -149 (subnormal) to 100: the products stay finite.
      const int e = static_cast<int>(random_int(rng, -160, 100));
      v = std::ldexp(mantissa(rng), e) * (random_int(rng, 0, 1) ? 1.0f : -1.0f);
    }
    in[0].data()[0] = std::numeric_limits<float>::denorm_min();
    in[0].data()[1] = -0.0f;
    in[1].data()[0] = steps[i % 6];
  }
  sweep.check(/*tol=*/0.0);
}

// More items than 65535 workgroups of 64 hold (the least limit a device
// may have, lavapipe's): the elementwise and per-row shaders step over the
// rest.
TEST(VulkanTrainingOps, TensorsBeyondTheWorkgroupCountLimit) {
  Sweep sweep("beyond_group_limit", 1, 43);
  const ir::Shape big{N, 65535 * 64 + 1000}, one{1};
  sweep.add("dropout", {big, one}, {{"training", true}, {"rate", 0.25}, {"seed", int64_t{5}}});
  sweep.last_inputs(2)[1].data()[0] = 2.0f;
  sweep.add("adam_step", {big, big, big, one, one});
  for (float& v : sweep.last_inputs(5)[2].data()) v = std::abs(v);
  sweep.last_inputs(5)[4].data()[0] = 1.0f;
  sweep.add("softmax", ir::Shape{N, 2, 65535 * 64 + 7}, {{"axis", int64_t{1}}});
  sweep.check();
}

// Dropout at inference is the identity, with and without the step counter.
TEST(VulkanTrainingOps, DropoutAtInference) {
  Sweep sweep("dropout_inference", 3, 5);
  sweep.add("dropout", ir::Shape{N, 4, 5, 6}, {{"rate", 0.5}});
  sweep.add("dropout", {ir::Shape{N, 4, 3}, ir::Shape{1}}, {{"rate", 0.5}});
  sweep.check(/*tol=*/0.0);
}

}  // namespace
}  // namespace cnnc::vulkan_test
