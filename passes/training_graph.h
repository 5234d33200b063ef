// Turns a classification model into the graph one training step runs:
// the forward pass (a final softmax dropped: the loss applies its own),
// softmax cross-entropy against a `labels` input, the backward pass
// (passes/autodiff.h) and one optimizer update per trainable parameter
// (ir/ops/optimizer.cpp). Parameters and optimizer state stay Param nodes;
// the step computes their new values as outputs, which the trainer writes
// back (backends::Executable::set_param) before the next step.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::passes {

struct OptimizerSpec {
  enum class Kind { Sgd, Adam, AdamW };
  Kind kind = Kind::Sgd;
  double momentum = 0.0;      // SGD
  bool nesterov = false;      // SGD, needs momentum
  double weight_decay = 0.0;  // SGD and Adam: L2 in the gradient; AdamW: decoupled
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Adam, AdamW
};

struct TrainingGraph {
  // Inputs: the model's input, then `labels` [N] (class indices as floats).
  // Outputs: the mean loss [1], the logits [N, K], then one new value per update.
  ir::Graph graph;
  static constexpr size_t kLossOutput = 0, kLogitsOutput = 1;
  struct Update {
    std::string param;  // a Param node of `graph`: a trainable parameter or optimizer state
    size_t output;      // the output holding its value after the step
  };
  std::vector<Update> updates;
  // State params [1] the trainer sets before each step.
  std::string learning_rate = "train.lr";
  std::string step = "train.step";  // 1 for the first step (Adam's bias correction)
};

// `model` must have one input and one output [N, K] (logits, or a softmax
// over axis 1 whose input is then taken as the logits). Parameters of the
// layers named in `frozen` (a layer name, or a prefix such as a block name
// followed by '.') are not trained. Optimizer state params are named
// `<param>.velocity`, `<param>.adam_m`, `<param>.adam_v`, zero-initialized.
// Throws std::invalid_argument naming the problem (a frozen name matching
// no parameter, a model output that is not [N, K], an op without a gradient
// rule).
// The forward half alone, for evaluation: the same inputs, outputs loss
// and logits; the model's parameters unchanged.
ir::Graph make_evaluation_graph(const ir::Graph& model, const ir::OpRegistry& ops);

TrainingGraph make_training_graph(const ir::Graph& model, const ir::OpRegistry& ops,
                                  const OptimizerSpec& optimizer,
                                  std::span<const std::string> frozen = {});

}  // namespace cnnc::passes
