// What one kernel of a compiled graph is, before any Halide code exists:
// the node it computes (an op or a `fused` group), its arguments in the
// generated function's order, the shapes the schedule heuristic looks at,
// the schedule, and the signature that keys the kernel cache. Describing a
// whole model is cheap, so a warm start finds its compiled library without
// building a single Halide Func.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backends/halide/schedule.h"
#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::backends::halide {

// One argument of a kernel function. Activations come first (the node's data
// inputs, in order), then weights; the output buffer follows them.
struct KernelArgument {
  bool is_weight = false;
  ir::TensorRef activation;            // the outer graph's tensor, for activations
  const ir::Tensor* weight = nullptr;  // the parameter's value, for weights
  std::string name;                    // tensor or parameter name, for messages
  ir::Shape shape;                     // concrete, in IR order (not packed)
  // Weights only: output channels (dim 0) blocked by this many and moved
  // innermost, (K, rest...) -> (ceil(K/b), rest..., b), zero-filled; 0 = as is.
  int block = 0;
  // 4-D tensors of a ConvPointwise kernel: passed as (N, C, H*W).
  bool flat = false;
  // Activations only: stored channel-blocked, (N, C, H, W) as
  // (N, C/b, H, W, b); 0 = plain NCHW (see channel_blocked).
  int layout_block = 0;

  // The shape of the buffer the kernel is called with (packed for blocked
  // weights, flattened for flat ones).
  ir::Shape passed_shape() const;
};

// The shapes a schedule template cares about, from the kernel's anchor op
// (its first convolution or dense layer), if it has one.
struct AnchorShape {
  enum class Family { None, Conv2d, Depthwise, Dense } family = Family::None;
  ir::Shape input, output, weight;  // of the anchor op, concrete
  // A reduction ending the fused group after the anchor (pooling, global
  // pooling, softmax, ...): its body node, and its window when it is a 2-D
  // pooling with non-overlapping windows (stride == kernel, no padding),
  // which the convolution's tiles can compute; {0, 0} otherwise.
  bool pooled = false;
  ir::NodeId reduction = 0;
  int64_t pool_y = 0, pool_x = 0;
  // A 1x1 convolution with stride 1 and no padding, in a kernel whose every
  // 4-D tensor has the output's H x W and whose other ops are element-wise
  // or per-channel: the kernel can run on (N, C, H*W) views.
  bool pointwise = false;
};

struct KernelDesc {
  // A reorder between plain NCHW and a channel-blocked layout, at the
  // model's edges, instead of a node's computation.
  enum class Role { Node, Reorder } role = Role::Node;
  ir::NodeId node = 0;
  std::string name;   // the node's name
  std::string label;  // its op, or the fused body's name ("c1+relu1+p1")
  int64_t batch = 0;
  std::vector<KernelArgument> arguments;
  ir::Shape output_shape;    // concrete
  bool flat_output = false;  // passed as (N, C, H*W), for ConvPointwise
  int output_block = 0;      // the output's channel block (layout_block), 0 = NCHW
  AnchorShape anchor;
  Schedule schedule;
  int64_t macs = 0;
  std::string signature;  // everything the generated code depends on, as text
  std::string key;        // a hash of signature + target + cnnc version, hex
  std::string function_name() const { return "cnnc_k" + key; }
  ir::Shape passed_output_shape() const;
};

// (N, C, H, W) -> (N, C, H*W); other ranks unchanged.
ir::Shape flatten_spatial(const ir::Shape& shape);

// Channel-blocked activations (oneDNN's nChw16c, nChw8c): (N, C, H, W) ->
// (N, C/b, H, W, b), so a convolution loads and stores whole vectors of
// channels. Only for 4-D shapes whose C is a multiple of b.
ir::Shape channel_blocked(const ir::Shape& shape, int block);
// "nchw", or "nChw16c" for a block of 16.
std::string layout_name(int block);

// Whether a kernel computing `node` (an op or a fused group) reads
// channel-blocked inputs well: convolutions, global pooling and per-channel
// ops do; a flatten, dense or softmax would pay a division per element.
bool reads_channel_blocks(const ir::Node& node, const ir::OpRegistry& ops);

// How a kernel's activations are laid out, decided per model and batch
// size (plan_kernels in halide_backend.cpp): the block each data input is
// stored with, and whether the output may be blocked (every reader takes
// blocks; a model output is reordered back for the caller).
struct LayoutContext {
  std::function<int(ir::TensorRef)> input_block;  // null: every input plain
  bool output_may_block = false;
};

// Describes op or fused node `id` of `graph` at `batch`. The schedule is the
// heuristic's for `target` (a Halide target string) unless `schedule_option`
// names an autoscheduler ("auto:adams2019", "auto:mullapudi2016",
// "auto:li2018"). Throws std::runtime_error naming the layer for a node no
// Halide kernel can compute.
// The output is channel-blocked where the template stores channel vectors
// (ConvChannels, Depthwise on a blocked input) or the kernel only maps or
// pools blocked inputs, and `layouts` allows it.
KernelDesc describe_kernel(const ir::Graph& graph, ir::NodeId id, int64_t batch,
                           const ir::OpRegistry& ops, const std::string& target,
                           const std::string& schedule_option, const LayoutContext& layouts = {});

// A reorder kernel: `tensor` (of concrete 4-D `shape`) from layout block
// `from` to `to`. `name` names the step in the profile.
KernelDesc describe_reorder(const std::string& name, ir::TensorRef tensor, const ir::Shape& shape,
                            int from, int to, const std::string& target);

}  // namespace cnnc::backends::halide
