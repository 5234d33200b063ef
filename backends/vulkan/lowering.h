// The Vulkan backend's lowerings: op name -> the dispatch computing a
// node's output from its inputs. A dispatch names an embedded shader, its
// push constants (32-bit words) and how many invocations it needs; its
// bindings are the node's inputs in order (data, then parameters), then
// as many 1-float placeholders as the shader has unused slots (a dense
// layer without bias), then the output. Built-in lowerings live in
// backends/vulkan/ops/<family>.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "ir/shape.h"

namespace cnnc::backends::vulkan {

struct Dispatch {
  std::string shader;
  uint32_t bindings = 2;       // the shader's storage buffers, the output last
  std::vector<uint32_t> push;  // push constants, word by word (floats bit-cast)
  int64_t invocations = 0;     // spread over workgroups of the pipeline's size
  // Words for shaders whose constants do not fit push constants (fused
  // kernels): bound as a storage buffer just before the output.
  std::vector<uint32_t> constants;
};

// Kernel choices a user or the autotuner makes (`--schedule`): the
// search space, one field per choice.
struct KernelChoice {
  // Convolution one output per invocation (`--schedule direct`) instead of
  // register tiles of output channels: the baseline tiles are measured against.
  bool direct_convolution = false;
};

// `inputs`: the node's input shapes with the batch substituted; `output`
// likewise. Throws std::runtime_error for attributes the kernel does not
// cover (the message is prefixed with the layer by the caller).
using Lowering = std::function<Dispatch(const ir::Node& node, std::span<const ir::Shape> inputs,
                                        const ir::Shape& output, const KernelChoice& choice)>;

class LoweringTable {
 public:
  void add(const std::string& op, Lowering lowering) { lowerings_[op] = std::move(lowering); }
  const Lowering* find(std::string_view op) const {
    auto it = lowerings_.find(op);
    return it == lowerings_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> ops() const;

 private:
  std::map<std::string, Lowering, std::less<>> lowerings_;
};

// Every built-in lowering.
const LoweringTable& builtin_lowerings();

// A fusion group (a `fused` node's body) as one dispatch: `operands` are
// the body's Input and Param nodes the shader reads, bound in this order,
// then the constants, then the output.
inline constexpr ir::NodeId kPlaceholderOperand = ir::NodeId(-1);  // an unused binding
struct FusedDispatch {
  Dispatch dispatch;
  std::vector<ir::NodeId> operands;
};
// nullopt when no fused shader covers the group (ops/fused.cpp says which
// do); its members then run one dispatch each.
std::optional<FusedDispatch> lower_fused(const ir::Graph& body, int64_t batch,
                                         const KernelChoice& choice);

// A float's bits as a push-constant word.
uint32_t float_word(float value);
// The activation code the shaders share (activation.comp): 0 none, 1 relu,
// 2 relu6, 3 leaky_relu, 4 tanh, 5 sigmoid, 6 elu; and its alpha with the
// reference's defaults (0.01 for leaky_relu, 1 for elu).
std::pair<uint32_t, float> activation_code(std::string_view name, double alpha);

}  // namespace cnnc::backends::vulkan
