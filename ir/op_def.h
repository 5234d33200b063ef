// OpDef: everything the compiler knows about one op, independent of any
// backend: its attributes, how many inputs it takes, the parameters it owns,
// shape inference, cost, and how it fuses (TVM's OpPatternKind).
//
// Built-in ops and plugin ops are described and registered the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ir/attribute.h"
#include "ir/shape.h"
#include "ir/tensor_ref.h"

namespace cnnc::ir {

// How an op may be fused with its neighbours; the fuser reasons only in kinds.
enum class PatternKind {
  Elementwise,    // out[i] = f(in[i])
  Broadcast,      // elementwise with broadcasting inputs
  Injective,      // each output element reads one input element (reshape, concat)
  Reduction,      // pooling, softmax, normalization over an axis
  OutputFusable,  // conv, dense: an elementwise epilogue can be fused into it
  Opaque          // never fused
};
std::string_view to_string(PatternKind k);

enum class ParamRole { Trainable, State };
enum class ParamInit { HeNormal, XavierUniform, Zeros, Ones, Bias };

// A parameter an op owns, e.g. conv's `weight` [K, C/groups, R, S]. It
// becomes a graph input named `<layer>.<suffix>`.
struct ParamSpec {
  std::string suffix;
  Shape shape;
  ParamRole role = ParamRole::Trainable;
  ParamInit init = ParamInit::HeNormal;
  int64_t fan_in = 1;
  int64_t fan_out = 1;
};

// Thrown by an op's hooks; `attr` or `input` point at the culprit so the
// frontend can put the caret there and name where the operand came from.
struct OpError : std::runtime_error {
  explicit OpError(const std::string& msg, std::string attr_name = {}, int input_index = -1)
      : std::runtime_error(msg), attr(std::move(attr_name)), input(input_index) {}
  std::string attr;
  int input;
};

class Graph;
struct GradientContext;  // ir/gradient.h

struct OpContext {
  const AttrMap& attrs;
  std::span<const Shape> inputs;  // data inputs first, then parameters
  size_t num_data_inputs;
  const Graph* body = nullptr;  // a `fused` node's body (ir/graph.h); null for other ops
  std::span<const Shape> data_inputs() const { return inputs.first(num_data_inputs); }
  const Shape& input(size_t i) const { return inputs[i]; }
};

struct OpDef {
  std::string name;
  std::string summary;  // one line, for docs/format.md and `cnnc ops`
  PatternKind kind = PatternKind::Opaque;
  std::vector<AttrSpec> attrs;
  int min_inputs = 1;
  int max_inputs = 1;  // -1: any number
  // Parameters owned by one layer, from its attributes and data input shapes.
  std::function<std::vector<ParamSpec>(const OpContext&)> params;
  // Output shapes from attributes and all input shapes; throws OpError.
  std::function<std::vector<Shape>(const OpContext&)> infer;
  // Multiply-accumulates for one batch item.
  std::function<int64_t(const OpContext&, std::span<const Shape> outputs)> macs;
  // Adds the nodes computing the gradients of this op's inputs from its
  // output's (ir/gradient.h): one entry per input port, nullopt for an
  // input without one (class labels). Empty: the op cannot be trained
  // through, and the autodiff pass names the layer.
  std::function<std::vector<std::optional<TensorRef>>(GradientContext&)> gradient;

  const AttrSpec* find_attr(std::string_view attr_name) const;
};

}  // namespace cnnc::ir
