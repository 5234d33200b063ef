#include "backends/halide/kernel_desc.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "backends/halide/halide_source_hash.h"
#include "backends/halide/kernel_cache.h"
#include "backends/halide/schedule_heuristics.h"
#include "backends/halide/weight_packing.h"
#include "ir/cost.h"
#include "ir/ops/dropout_mask.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

std::string attrs_text(const ir::AttrMap& attrs) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : attrs.values()) parts.push_back(k + "=" + ir::format_attr_value(v));
  return fmt::format("{}", fmt::join(parts, " "));
}

// What a node's lowering depends on besides its shapes: its attributes,
// and for dropout its mask stream, the hash of the layer's name
// (ir/ops/dropout_mask.h), so that two dropout layers alike but for their
// names never share a kernel.
std::string lowering_text(const ir::Node& n) {
  std::string text = attrs_text(n.attrs);
  if (n.op == "dropout") text += fmt::format(" (stream {})", ir::dropout_mask::stream_of(n.name));
  return text;
}

// The anchor's family and shapes: the first convolution or dense layer of
// the kernel (the op itself, or the first member of a fused group).
AnchorShape anchor_of(const ir::Graph& g, ir::NodeId id, int64_t batch, const ir::OpRegistry& ops) {
  const ir::Node& n = g.node(id);
  const ir::Graph& body = n.body ? *n.body : g;
  AnchorShape a;
  std::optional<ir::NodeId> conv;
  for (auto inner : n.body ? body.topological_order() : std::vector<ir::NodeId>{id}) {
    const ir::Node& m = body.node(inner);
    if (m.kind != ir::NodeKind::Op) continue;
    if (!conv && (m.op == "conv2d" || m.op == "dense")) {
      conv = inner;
      auto ins = body.inputs_of(inner);
      a.input = body.shape_of(ins.at(0)).with_batch(batch);
      a.weight = body.shape_of(ins.at(1));
      a.output = m.outputs.at(0).with_batch(batch);
      if (m.op == "dense") {
        a.family = AnchorShape::Family::Dense;
      } else {
        const int64_t groups = m.attrs.get_int("groups");
        a.family = groups == 1 ? AnchorShape::Family::Conv2d
                   : (groups == a.input[1] && groups == a.output[1])
                       ? AnchorShape::Family::Depthwise
                       : AnchorShape::Family::None;
      }
    } else if (conv && !a.pooled) {
      const ir::OpDef* def = ops.find(m.op);
      if (def &&
          (def->kind == ir::PatternKind::Elementwise || def->kind == ir::PatternKind::Broadcast))
        continue;
      a.pooled = true;
      a.reduction = inner;
      if (m.op != "maxpool" && m.op != "avgpool" && m.op != "l2pool") continue;
      const ir::Shape& xs = body.shape_of(body.inputs_of(inner).at(0));
      ir::Window w = ir::read_window(m.attrs, xs, /*default_stride=*/0);
      bool tiles = w.rank() == 2;
      for (size_t d = 0; tiles && d < w.rank(); ++d)
        tiles = w.stride[d] == w.kernel[d] && w.pad_begin[d] == 0 && w.pad_end[d] == 0 &&
                w.dilation[d] == 1 && xs[2 + d] % w.kernel[d] == 0;
      if (tiles) a.pool_y = w.kernel[0], a.pool_x = w.kernel[1];
    }
  }
  return a;
}

// Whether every op of the kernel can run on (N, C, H*W) views of its 4-D
// tensors: element-wise ops, per-channel batchnorm and same-shape additions
// around one 1x1 convolution.
bool flattenable(const ir::Graph& g, ir::NodeId id) {
  const ir::Node& n = g.node(id);
  if (!n.body) return n.op == "conv2d";
  static const std::set<std::string> kOps{"conv2d",     "batchnorm", "add",     "relu", "relu6",
                                          "leaky_relu", "elu",       "sigmoid", "tanh"};
  size_t convs = 0;
  for (auto inner : n.body->topological_order()) {
    const ir::Node& m = n.body->node(inner);
    if (m.kind != ir::NodeKind::Op) continue;
    if (!kOps.count(m.op)) return false;
    convs += m.op == "conv2d";
    for (auto t : n.body->inputs_of(inner))
      if (n.body->node(t.node).kind != ir::NodeKind::Param && n.body->shape_of(t).rank() != 4)
        return false;
    if (m.op == "add")
      for (auto t : n.body->inputs_of(inner))
        if (n.body->shape_of(t) != m.outputs.at(0)) return false;
  }
  return convs == 1;
}

}  // namespace

ir::Shape flatten_spatial(const ir::Shape& s) {
  if (s.rank() != 4) return s;
  return ir::Shape{s[0], s[1], s[2] * s[3]};
}

namespace {

bool pointwise_kernel(const KernelDesc& d, const ir::Graph& g) {
  const AnchorShape& a = d.anchor;
  if (a.family != AnchorShape::Family::Conv2d || a.pooled || a.weight.rank() != 4) return false;
  if (a.weight[2] != 1 || a.weight[3] != 1) return false;
  // A 1x1 window keeps H x W only with stride 1 and no padding.
  if (a.input[2] != a.output[2] || a.input[3] != a.output[3]) return false;
  if (d.output_shape.rank() != 4) return false;
  for (const auto& arg : d.arguments)
    if (!arg.is_weight && (arg.shape.rank() != 4 || arg.shape[2] != d.output_shape[2] ||
                           arg.shape[3] != d.output_shape[3]))
      return false;
  return flattenable(g, d.node);
}

}  // namespace

ir::Shape channel_blocked(const ir::Shape& s, int block) {
  if (s.rank() != 4 || block <= 0 || s[1] % block)
    throw std::logic_error(
        fmt::format("shape {} cannot be blocked by {} channels", ir::to_string(s), block));
  return ir::Shape{s[0], s[1] / block, s[2], s[3], block};
}

std::string layout_name(int block) {
  return block ? fmt::format("nChw{}c", block) : "nchw";
}

ir::Shape KernelArgument::passed_shape() const {
  if (block) return blocked_shape(shape, block);
  if (layout_block) return channel_blocked(shape, layout_block);
  return flat ? flatten_spatial(shape) : shape;
}

ir::Shape KernelDesc::passed_output_shape() const {
  if (output_block) return channel_blocked(output_shape, output_block);
  return flat_output ? flatten_spatial(output_shape) : output_shape;
}

namespace {

// Ops that treat each channel on its own (maps, pooling windows,
// per-channel affine) or stack channels (concat): in a blocked kernel they
// read and write whole channel vectors.
bool channelwise(const ir::Node& m, const ir::OpRegistry& ops) {
  static const std::set<std::string> kOps{"maxpool", "avgpool", "l2pool", "batchnorm", "concat"};
  if (kOps.count(m.op)) return true;
  const ir::OpDef* def = ops.find(m.op);
  return def &&
         (def->kind == ir::PatternKind::Elementwise || def->kind == ir::PatternKind::Broadcast);
}

}  // namespace

bool reads_channel_blocks(const ir::Node& node, const ir::OpRegistry& ops) {
  auto takes = [&](const ir::Node& m) {
    return m.kind != ir::NodeKind::Op || m.op == "conv2d" || m.op == "global_avgpool" ||
           m.op == "global_maxpool" || channelwise(m, ops);
  };
  if (!node.body) return takes(node);
  for (auto inner : node.body->topological_order())
    if (!takes(node.body->node(inner))) return false;
  return true;
}

namespace {

// The output's layout block: channel vectors where the schedule stores
// them whole, plain otherwise. Inputs of any layout are correct for every
// kernel (the builder reads them through NCHW-order views); this only
// decides what is fast.
int output_block_for(const KernelDesc& d, const ir::Graph& g, const ir::OpRegistry& ops) {
  const int v = d.schedule.vector_width;
  const ir::Shape& out = d.output_shape;
  if (out.rank() != 4 || out[1] % v || out[2] * out[3] <= 1) return 0;
  bool data_blocked = false, data_plain = false;
  for (const auto& arg : d.arguments) {
    if (arg.is_weight || arg.shape.rank() != 4) continue;
    (arg.layout_block ? data_blocked : data_plain) = true;
  }
  switch (d.schedule.kind) {
    case ScheduleTemplate::ConvChannels:
      return v;
    case ScheduleTemplate::Depthwise:
      return !d.anchor.pooled && d.arguments.at(0).layout_block == v ? v : 0;
    case ScheduleTemplate::Generic: {
      if (d.anchor.family != AnchorShape::Family::None || !data_blocked || data_plain) return 0;
      const ir::Node& n = g.node(d.node);
      if (!n.body) return channelwise(n, ops) ? v : 0;
      for (auto inner : n.body->topological_order()) {
        const ir::Node& m = n.body->node(inner);
        if (m.kind == ir::NodeKind::Op && !channelwise(m, ops)) return 0;
      }
      return v;
    }
    default:
      return 0;
  }
}

}  // namespace

KernelDesc describe_kernel(const ir::Graph& graph, ir::NodeId id, int64_t batch,
                           const ir::OpRegistry& ops, const std::string& target,
                           const std::string& schedule_option, const LayoutContext& layouts) {
  const ir::Node& node = graph.node(id);
  if (node.outputs.size() != 1)
    throw std::runtime_error(fmt::format(
        "{}: layer '{}': op '{}' has {} outputs; the Halide backend lowers single-output ops",
        node.source.describe(), node.name, node.op, node.outputs.size()));
  KernelDesc d;
  d.node = id;
  d.name = node.name;
  d.label = node.body ? node.body->name : node.op;
  d.batch = batch;
  d.output_shape = node.outputs[0].with_batch(batch);
  d.macs = ir::node_cost(graph, id, ops).macs * batch;
  d.anchor = anchor_of(graph, id, batch, ops);

  // Arguments, and the signature text: the ops, attributes and shapes the
  // code depends on, with arguments referred to by position.
  std::string sig = fmt::format("batch {}\n", batch);
  auto add_argument = [&](KernelArgument arg) {
    sig += fmt::format("arg{} {} {}\n", d.arguments.size(), arg.is_weight ? "weight" : "data",
                       ir::to_string(arg.shape));
    d.arguments.push_back(std::move(arg));
  };
  for (auto t : graph.inputs_of(id)) {
    const ir::Node& src = graph.node(t.node);
    if (t.port != 0)
      throw std::runtime_error(fmt::format(
          "layer '{}' reads output {} of '{}'; the Halide backend lowers single-output ops",
          node.name, t.port, src.name));
    if (src.kind == ir::NodeKind::Param)
      add_argument({.is_weight = true,
                    .weight = &*src.value,
                    .name = src.name,
                    .shape = src.value->shape()});
    else
      add_argument({.activation = t,
                    .name = src.name,
                    .shape = graph.shape_of(t).with_batch(batch),
                    .layout_block = layouts.input_block ? layouts.input_block(t) : 0});
  }
  if (node.body) {
    // A body's inputs are the fused node's data inputs, in order; its
    // parameters become weight arguments after them.
    std::map<ir::NodeId, size_t> position;
    auto body_inputs = node.body->input_nodes();
    for (size_t i = 0; i < body_inputs.size(); ++i) position[body_inputs[i]] = i;
    for (auto inner : node.body->topological_order()) {
      const ir::Node& m = node.body->node(inner);
      if (m.kind == ir::NodeKind::Param) {
        if (!m.value) throw std::runtime_error(fmt::format("parameter '{}' has no value", m.name));
        position[inner] = d.arguments.size();
        add_argument(
            {.is_weight = true, .weight = &*m.value, .name = m.name, .shape = m.value->shape()});
      } else if (m.kind == ir::NodeKind::Op) {
        std::vector<std::string> refs;
        for (auto t : node.body->inputs_of(inner))
          refs.push_back(position.count(t.node) ? fmt::format("arg{}", position[t.node])
                                                : fmt::format("n{}", t.node));
        sig += fmt::format("n{} = {}({}) {} -> {}\n", inner, m.op, fmt::join(refs, ", "),
                           lowering_text(m), ir::to_string(m.outputs.at(0).with_batch(batch)));
      }
    }
  } else {
    if (node.kind == ir::NodeKind::Op)
      sig +=
          fmt::format("{} {} -> {}\n", node.op, lowering_text(node), ir::to_string(d.output_shape));
  }
  for (auto& arg : d.arguments)
    if (!arg.is_weight && arg.shape.rank() == 0)
      throw std::runtime_error(
          fmt::format("layer '{}': input '{}' has no shape", d.name, arg.name));

  bool any_blocked = false;
  for (size_t i = 0; i < d.arguments.size(); ++i)
    if (d.arguments[i].layout_block) {
      any_blocked = true;
      sig += fmt::format("arg{} {}\n", i, layout_name(d.arguments[i].layout_block));
    }
  // The flattened (N, C, H*W) views are plain NCHW; where blocked layouts
  // are allowed, a ConvChannels tile with a blocked output serves the
  // layers after it better (MobileNet-v2's depthwise layers after
  // expanding 1x1 convolutions of plain inputs: 8.4 -> 6.5 ms).
  d.anchor.pointwise = !any_blocked && !layouts.output_may_block && pointwise_kernel(d, graph);
  d.schedule = choose_schedule(d, target, schedule_option);
  if (layouts.output_may_block && d.schedule.kind != ScheduleTemplate::Auto) {
    d.output_block = output_block_for(d, graph, ops);
    if (d.output_block) sig += fmt::format("output {}\n", layout_name(d.output_block));
  }
  if (d.schedule.kind == ScheduleTemplate::ConvPointwise) {
    for (auto& arg : d.arguments) arg.flat = arg.shape.rank() == 4;
    d.flat_output = true;
    sig += "4-D tensors passed as (N, C, H*W)\n";
  }
  // The anchor's weight is pre-blocked when its template vectorizes over output channels.
  if (d.schedule.kind == ScheduleTemplate::ConvChannels ||
      d.schedule.kind == ScheduleTemplate::Dense ||
      (d.schedule.kind == ScheduleTemplate::Depthwise && d.output_block))
    for (auto& arg : d.arguments)
      if (arg.is_weight && arg.shape == d.anchor.weight) {
        arg.block = d.schedule.vector_width;
        break;
      }
  for (size_t i = 0; i < d.arguments.size(); ++i)
    if (d.arguments[i].block) sig += fmt::format("arg{} blocked by {}\n", i, d.arguments[i].block);
  sig += "schedule " + to_json(d.schedule).dump() + "\n";
  d.signature = sig;
  d.key = content_hash(fmt::format("{}\ntarget {}\nbackend {}\n", sig, target, kHalideSourceHash));
  return d;
}

}  // namespace cnnc::backends::halide

namespace cnnc::backends::halide {

KernelDesc describe_reorder(const std::string& name, ir::TensorRef tensor, const ir::Shape& shape,
                            int from, int to, const std::string& target) {
  KernelDesc d;
  d.role = KernelDesc::Role::Reorder;
  d.node = tensor.node;
  d.name = name;
  d.label = fmt::format("reorder {}->{}", layout_name(from), layout_name(to));
  d.batch = shape[0];
  d.arguments.push_back({.activation = tensor, .name = name, .shape = shape, .layout_block = from});
  d.output_shape = shape;
  d.output_block = to;
  // Rows of (block x width) floats per thread-pool task: about 16K floats,
  // since claiming a task costs more than copying one short row.
  const int block = std::max(from, to);
  const int64_t row = block * shape[3], rows = shape[0] * shape[1] / block * shape[2];
  d.schedule = {.kind = ScheduleTemplate::Generic,
                .vector_width = target_traits(target).vector_width,
                .task_rows = static_cast<int>(
                    std::clamp<int64_t>(16384 / row, 1, std::max<int64_t>(1, rows / 16)))};
  d.signature = fmt::format("reorder {} from {} to {}\nschedule {}\n", ir::to_string(shape),
                            layout_name(from), layout_name(to), to_json(d.schedule).dump());
  d.key = content_hash(
      fmt::format("{}\ntarget {}\nbackend {}\n", d.signature, target, kHalideSourceHash));
  return d;
}

}  // namespace cnnc::backends::halide
