// Gradient checking (`cnnc gradcheck`): every trainable parameter's
// gradient, as the training graph computes it (passes/training_graph.h:
// batchnorm with batch statistics, dropout with its mask fixed by the step
// counter, softmax cross-entropy against labels), against central finite
// differences of the same graph's loss, on random inputs and labels.
//
// The loss is a float32 of magnitude about ln(classes), so each evaluation
// carries a rounding error near 1e-7 of it; (L(p + h) - L(p - h)) / 2h
// divides that by 2h, which is why the default step is 1e-2 rather than
// the 1e-3 a double evaluation would take: with h = 1e-3 the rounding alone
// moves a difference by about 1e-4, as large as many true gradients. The
// perturbed values and the differences are computed in double, dividing by
// the step the float parameter really took.
//
// An entry is compared with
//   error = |analytic - numeric| / max(|analytic| + |numeric|, floor, 4 r / tolerance)
// where r, the difference's resolution, is the float32 spacing of the loss
// divided by the difference's denominator (2h, or h one-sided): relative
// for large gradients, absolute below (to 1e-3 tolerance, or to 4 steps of
// the resolution), so that rounding on a near-zero gradient does not fail
// it. Where the central difference disagrees, the interval [p - h, p + h]
// may cross a kink of a piecewise-linear op (a ReLU input, or a max pooling
// window changing hands): it then averages two slopes. Such an entry passes
// if either one-sided difference, or a central or one-sided difference at
// h / 4 or h / 16, matches; it is counted as a kink. With many positions
// sharing a weight (a first convolution over a batch), some kink lies within
// 1e-2 of most of its entries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::training {

struct GradcheckOptions {
  int64_t batch = 4;
  // Entries checked per parameter, drawn without repetition; every entry
  // of a parameter with no more than this many.
  int64_t samples = 20;
  double eps = 1e-2;        // the finite-difference step h
  double tolerance = 1e-2;  // the largest error accepted
  double floor = 1e-3;      // of |analytic| + |numeric|; see the error above
  uint64_t seed = 0;        // inputs N(0, 1), labels uniform, the sampled entries
  backends::CompileOptions compile;
};

struct EntryCheck {
  int64_t index = 0;  // flat, row-major
  double analytic = 0;
  double central = 0, forward = 0, backward = 0;  // the finite differences
  double error = 0;   // of the difference accepted (the central one unless at a kink)
  bool kink = false;  // accepted on a one-sided or smaller-step difference
  double step = 0;    // the step of that difference, when at a kink
  bool ok = false;
};

struct ParamCheck {
  std::string name;
  ir::Shape shape;
  std::vector<EntryCheck> entries;  // in index order
  double max_error = 0;
  int64_t worst = -1;  // position in `entries` of the largest error
  int64_t kinks = 0;
  bool ok = true;
};

struct GradcheckReport {
  double loss = 0;  // at the unperturbed parameters
  int64_t classes = 0;
  std::vector<ParamCheck> params;  // in the order of the model's Param nodes
  bool ok() const;
};

// `model` has its parameters' values, one input and one output [N, K]
// (logits, or a softmax over them), as passes::make_training_graph takes
// it. `ops` supplies the gradient rules; `backend` evaluates every graph.
// Throws std::invalid_argument for options out of range or a model the
// training graph cannot be made of.
GradcheckReport check_gradients(const ir::Graph& model, const ir::OpRegistry& ops,
                                backends::Backend& backend, const GradcheckOptions& options);

}  // namespace cnnc::training
