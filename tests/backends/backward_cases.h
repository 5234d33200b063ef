// The backward and optimizer conformance cases every backend runs against
// the reference (tests/halide/backward_test.cpp, tests/vulkan): each
// function adds its cases to a sweep; the caller picks the backend, batch
// and seed (each function's comment names those the cases were chosen for).
#pragma once

#include <algorithm>
#include <cmath>

#include "ir/ops/window.h"
#include "tests/backends/sweep.h"

namespace cnnc::test_util {

struct Window {
  Ints kernel, stride, pad, dilation;
  Ints input;   // spatial input size
  Ints output;  // spatial output size
};

// A random window over `rank` spatial axes whose output is at least 1 wide.
inline Window random_window(std::mt19937& rng, size_t rank, bool dilate) {
  for (;;) {
    Window w;
    bool ok = true;
    for (size_t a = 0; a < rank; ++a) {
      const int64_t k = random_int(rng, 1, rank == 3 ? 3 : 5);
      const int64_t s = random_int(rng, 1, 3), d = dilate ? random_int(rng, 1, 2) : 1;
      const int64_t p = random_int(rng, 0, (k - 1) * d);
      const int64_t in = random_int(rng, rank == 3 ? 3 : 5, rank == 1 ? 40 : 19);
      const int64_t span = d * (k - 1) + 1;
      if (in + 2 * p < span) ok = false;
      const int64_t out = ok ? (in + 2 * p - span) / s + 1 : 0;
      w.kernel.push_back(k), w.stride.push_back(s), w.pad.push_back(p), w.dilation.push_back(d);
      w.input.push_back(in), w.output.push_back(out);
    }
    if (ok) return w;
  }
}

inline ir::Shape shape_of(int64_t n, int64_t c, const Ints& spatial) {
  ir::Shape s{n, c};
  s.dims.insert(s.dims.end(), spatial.begin(), spatial.end());
  return s;
}

// Convolution gradients over random windows (1-3 D, stride, padding,
// dilation, groups); a sweep of batch 3, seed 11.
inline void add_convolution_gradient_cases(Sweep& sweep) {
  auto& rng = sweep.rng();
  for (int i = 0; i < 24; ++i) {
    const size_t rank = i < 4 ? 1 : i < 20 ? 2 : 3;
    const Window w = random_window(rng, rank, /*dilate=*/true);
    // Every third case has whole vectors of output channels (dW's channel-vector form).
    const bool vectors = i % 3 == 0;
    const int64_t groups = vectors ? 1 : random_int(rng, 1, 3);
    const int64_t c = groups * random_int(rng, 1, 3);
    const int64_t k = vectors ? 8 * random_int(rng, 1, 3) : groups * random_int(rng, 1, 4);
    Attrs attrs{{"kernel", w.kernel},
                {"stride", w.stride},
                {"pad", w.pad},
                {"dilation", w.dilation},
                {"groups", groups}};
    ir::Shape x = shape_of(N, c, w.input), dy = shape_of(N, k, w.output);
    ir::Shape weight{k, c / groups};
    weight.dims.insert(weight.dims.end(), w.kernel.begin(), w.kernel.end());
    sweep.add("conv_grad_weight", {dy, x}, attrs);
    sweep.add("conv_grad_input", {dy, weight, x}, attrs);
  }
}

// LeNet-5's layers (with batches 64 and 7: one that does not split evenly
// into dW's chunks).
inline void add_lenet_convolution_gradient_cases(Sweep& sweep) {
  Attrs c1{{"kernel", Ints{5, 5}}, {"pad", Ints{2, 2}}}, c2{{"kernel", Ints{5, 5}}};
  sweep.add("conv_grad_weight", {ir::Shape{N, 6, 28, 28}, ir::Shape{N, 1, 28, 28}}, c1);
  sweep.add("conv_grad_weight", {ir::Shape{N, 16, 10, 10}, ir::Shape{N, 6, 14, 14}}, c2);
  sweep.add("conv_grad_input",
            {ir::Shape{N, 16, 10, 10}, ir::Shape{16, 6, 5, 5}, ir::Shape{N, 6, 14, 14}}, c2);
  // With a folded activation_grad (x is the previous ReLU's output).
  Attrs c2_relu = c2;
  c2_relu["act"] = std::string("relu");
  sweep.add("conv_grad_input",
            {ir::Shape{N, 16, 10, 10}, ir::Shape{16, 6, 5, 5}, ir::Shape{N, 6, 14, 14}}, c2_relu);
}

// Pooling gradients (max, avg, L2; 1-3 D, ceil mode, padding, ties, folded
// activations); a sweep of batch 2, seed 23.
inline void add_pooling_gradient_cases(Sweep& sweep) {
  auto& rng = sweep.rng();
  const char* kinds[] = {"max", "avg", "l2"};
  for (int i = 0; i < 21; ++i) {
    const size_t rank = i < 3 ? 1 : i < 18 ? 2 : 3;
    const std::string pool = kinds[i % 3];
    Window w = random_window(rng, rank, /*dilate=*/pool == "max");
    const bool ceil_mode = random_int(rng, 0, 1) == 1;
    // PyTorch's rule: padding at most half the kernel.
    for (size_t a = 0; a < rank; ++a) w.pad[a] = std::min(w.pad[a], w.kernel[a] / 2);
    Attrs attrs{{"pool", pool},
                {"kernel", w.kernel},
                {"stride", w.stride},
                {"pad", w.pad},
                {"dilation", w.dilation},
                {"ceil_mode", ceil_mode},
                {"count_include_pad", random_int(rng, 0, 1) == 1}};
    ir::AttrMap map;
    for (const auto& [name, value] : attrs) map.set(name, value);
    const ir::Window window = ir::read_window(map, shape_of(1, 1, w.input));
    for (size_t a = 0; a < rank; ++a) w.output[a] = window.output_size(a, w.input[a]);
    const int64_t c = random_int(rng, 1, 4);
    sweep.add("pool_grad",
              {shape_of(N, c, w.input), shape_of(N, c, w.output), shape_of(N, c, w.output)}, attrs);
    if (pool == "max") {
      // Ties: rounded inputs make windows hold their maximum more than once.
      for (float& v : sweep.last_inputs(3)[0].data()) v = std::round(v * 2.0f);
    }
  }
  // LeNet-5's pools, whose inputs hold many zeros after ReLU.
  sweep.add("pool_grad",
            {ir::Shape{N, 6, 28, 28}, ir::Shape{N, 6, 14, 14}, ir::Shape{N, 6, 14, 14}},
            {{"pool", std::string("max")}, {"kernel", Ints{2, 2}}});
  for (float& v : sweep.last_inputs(3)[0].data()) v = std::max(v, 0.0f);
  // With a folded activation_grad: x is the activation's output.
  for (const char* act : {"relu", "tanh", "leaky_relu"}) {
    sweep.add("pool_grad", {ir::Shape{N, 3, 8, 8}, ir::Shape{N, 3, 4, 4}, ir::Shape{N, 3, 4, 4}},
              {{"pool", std::string("max")}, {"kernel", Ints{2, 2}}, {"act", std::string(act)}});
    sweep.add("pool_grad", {ir::Shape{N, 2, 7, 7}, ir::Shape{N, 2, 3, 3}, ir::Shape{N, 2, 3, 3}},
              {{"pool", std::string("avg")},
               {"kernel", Ints{3, 3}},
               {"stride", Ints{2, 2}},
               {"act", std::string(act)}});
  }
}

// activation, dense, reduction, shape, softmax and loss gradients; a sweep
// of batch 4, seed 31.
inline void add_small_backward_cases(Sweep& sweep) {
  for (const char* act : {"none", "relu", "relu6", "leaky_relu", "tanh", "sigmoid", "elu"})
    sweep.add("activation_grad", {ir::Shape{N, 3, 5, 7}, ir::Shape{N, 3, 5, 7}},
              {{"act", std::string(act)}});
  sweep.add("dense_grad_input", {ir::Shape{N, 13}, ir::Shape{13, 21}});
  sweep.add("dense_grad_weight", {ir::Shape{N, 13}, ir::Shape{N, 21}});
  // LeNet-5's f1: whole register tiles, and a tail of columns.
  sweep.add("dense_grad_input", {ir::Shape{N, 120}, ir::Shape{120, 400}});
  sweep.add("dense_grad_weight", {ir::Shape{N, 120}, ir::Shape{N, 400}});
  sweep.add("dense_grad_input", {ir::Shape{N, 10}, ir::Shape{10, 84}});
  sweep.add("sum_to_channels", ir::Shape{N, 5, 6, 7});
  sweep.add("sum_to_channels", ir::Shape{N, 9});
  sweep.add("reshape_like", {ir::Shape{N, 60}, ir::Shape{N, 3, 4, 5}});
  sweep.add("softmax_grad", {ir::Shape{N, 10}, ir::Shape{N, 10}});
  sweep.add("softmax_grad", {ir::Shape{N, 4, 3, 2}, ir::Shape{N, 4, 3, 2}},
            {{"axis", int64_t{2}}, {"log", true}});
  sweep.add("slice", ir::Shape{N, 7, 3},
            {{"axis", int64_t{1}}, {"start", int64_t{2}}, {"length", int64_t{4}}});
  sweep.add("sum_to_shape", {ir::Shape{N, 3, 4, 5}, ir::Shape{3, 1, 5}});
  sweep.add("sum_to_shape", {ir::Shape{N, 3, 4}, ir::Shape{4}});
  sweep.add("mse_loss_grad", {ir::Shape{N, 6}, ir::Shape{N, 6}, ir::Shape{1}});
  sweep.add("softmax_cross_entropy_grad", {ir::Shape{N, 10}, ir::Shape{N}, ir::Shape{1}});
  for (float& l : sweep.last_inputs(3)[1].data())
    l = static_cast<float>(random_int(sweep.rng(), 0, 9));
}

// SGD and Adam updates; a sweep of batch 3, seed 41.
inline void add_optimizer_update_cases(Sweep& sweep) {
  const ir::Shape p{N, 5, 4}, one{1};
  sweep.add("sgd_velocity", {p, p, p}, {{"momentum", 0.9}, {"weight_decay", 5e-4}});
  for (bool nesterov : {false, true})
    sweep.add("sgd_step", {p, p, p, one},
              {{"momentum", 0.9}, {"weight_decay", 1e-3}, {"nesterov", nesterov}});
  sweep.add("sgd_step", {p, p, p, one}, {{"momentum", 0.0}});
  for (int64_t power : {1, 2}) {
    sweep.add("adam_moment", {p, p, p}, {{"beta", 0.95}, {"power", power}, {"weight_decay", 1e-2}});
    if (power == 2)  // a second moment is never negative
      for (float& v : sweep.last_inputs(3)[0].data()) v = std::abs(v);
  }
  for (double decay : {0.0, 0.01}) {
    sweep.add("adam_step", {p, p, p, one, one}, {{"decoupled_weight_decay", decay}});
    auto in = sweep.last_inputs(5);
    for (float& v : in[2].data()) v = std::abs(v);
    in[4].data()[0] = 3.0f;  // the step count t
  }
}

}  // namespace cnnc::test_util
