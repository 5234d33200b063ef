// The Vulkan backend's lowerings: op name -> the dispatch computing a
// node's output from its inputs. A dispatch names an embedded shader, its
// push constants (32-bit words) and how many invocations it needs; its
// bindings are the node's inputs in order (data, then parameters), then
// as many 1-float placeholders as the shader has unused slots (a dense
// layer without bias), then the output. Built-in lowerings live in
// backends/vulkan/ops/<family>.cpp.
#pragma once

#include <array>
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
  // Shaders that size their workgroups and tiles by specialization (the
  // shared-memory GEMM): the workgroup size (0: kWorkgroup), constants 1..,
  // and the grid of workgroups, used instead of `invocations` when set.
  uint32_t workgroup_size = 0;
  std::vector<uint32_t> specialization;
  std::array<uint32_t, 3> grid{0, 0, 0};
};

// The workgroup size of shaders that do not choose theirs (specialization
// constant 0): `invocations` are spread over ceil(invocations / kWorkgroup).
inline constexpr uint32_t kWorkgroup = 64;

// Kernel choices a user or the autotuner makes (`--schedule`): the
// search space, one field per choice.
struct KernelChoice {
  // Convolution one output per invocation (`--schedule direct`) instead of
  // register tiles of output channels: the baseline tiles are measured against.
  bool direct_convolution = false;
  // Convolutions (as implicit GEMMs) and dense layers in shared-memory
  // tiles (gemm_tiled.comp): a workgroup computes tm x tn outputs, each
  // invocation rm x rn of them, over tk-deep slices of the reduction.
  struct GemmTiles {
    uint32_t tm = 64, tn = 64, tk = 8, rm = 8, rn = 8;
  };
  std::optional<GemmTiles> gemm;
  // With `gemm` but not this (the default schedule), layers too narrow to
  // fill a tile keep the other kernels: convolutions with fewer than 32
  // output channels per group, dense layers below 32 units or batch 16.
  bool gemm_everywhere = false;
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

// The shared-memory GEMM (gemm_tiled.comp) of a convolution (`mode` 0,
// `conv` its push words after the mode) or a dense layer (mode 1), tiled
// as `tiles` says, over a grid of `columns` x `rows` x `groups`.
Dispatch gemm_dispatch(uint32_t mode, std::vector<uint32_t> push,
                       const KernelChoice::GemmTiles& tiles, int64_t rows, int64_t columns,
                       int64_t groups);

// conv2d's shape and window words, as conv2d*.comp and gemm*.comp read
// them: n, c, h, w, filters, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw,
// groups, has_bias, act, alpha.
std::vector<uint32_t> conv2d_words(const ir::Node& conv, const ir::Shape& x, const ir::Shape& w,
                                   const ir::Shape& out, bool has_bias);
// Whether a GEMM with a reduction of `depth` terms stays within 32768 loop
// iterations per invocation: lavapipe (llvmpipe) ends every loop of an
// invocation once all of them together reach 65535 iterations, silently.
// Longer reductions take the other kernels, which split them.
bool gemm_fits(const KernelChoice::GemmTiles& tiles, int64_t depth);
// Whether `choice` runs a convolution with `rows` output channels per
// group and a reduction of `depth` (input channels per group x taps) as a
// GEMM.
inline bool conv_as_gemm(const KernelChoice& choice, int64_t rows, int64_t depth) {
  return choice.gemm && (choice.gemm_everywhere || rows >= 32) && gemm_fits(*choice.gemm, depth);
}

// A float's bits as a push-constant word.
uint32_t float_word(float value);
// The activation code the shaders share (activation.comp): 0 none, 1 relu,
// 2 relu6, 3 leaky_relu, 4 tanh, 5 sigmoid, 6 elu; and its alpha with the
// reference's defaults (0.01 for leaky_relu, 1 for elu).
std::pair<uint32_t, float> activation_code(std::string_view name, double alpha);

}  // namespace cnnc::backends::vulkan
