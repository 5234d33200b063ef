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
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

std::string attrs_text(const ir::AttrMap& attrs) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : attrs.values()) parts.push_back(k + "=" + ir::format_attr_value(v));
  return fmt::format("{}", fmt::join(parts, " "));
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

ir::Shape KernelArgument::passed_shape() const {
  if (block) return blocked_shape(shape, block);
  return flat ? flatten_spatial(shape) : shape;
}

ir::Shape KernelDesc::passed_output_shape() const {
  return flat_output ? flatten_spatial(output_shape) : output_shape;
}

KernelDesc describe_kernel(const ir::Graph& graph, ir::NodeId id, int64_t batch,
                           const ir::OpRegistry& ops, const std::string& target,
                           const std::string& schedule_option) {
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
      add_argument(
          {.activation = t, .name = src.name, .shape = graph.shape_of(t).with_batch(batch)});
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
                           attrs_text(m.attrs), ir::to_string(m.outputs.at(0).with_batch(batch)));
      }
    }
  } else {
    if (node.kind == ir::NodeKind::Op)
      sig += fmt::format("{} {} -> {}\n", node.op, attrs_text(node.attrs),
                         ir::to_string(d.output_shape));
  }
  for (auto& arg : d.arguments)
    if (!arg.is_weight && arg.shape.rank() == 0)
      throw std::runtime_error(
          fmt::format("layer '{}': input '{}' has no shape", d.name, arg.name));

  d.anchor.pointwise = pointwise_kernel(d, graph);
  d.schedule = choose_schedule(d, target, schedule_option);
  if (d.schedule.kind == ScheduleTemplate::ConvPointwise) {
    for (auto& arg : d.arguments) arg.flat = arg.shape.rank() == 4;
    d.flat_output = true;
    sig += "4-D tensors passed as (N, C, H*W)\n";
  }
  // The anchor's weight is pre-blocked when its template vectorizes over output channels.
  if (d.schedule.kind == ScheduleTemplate::ConvChannels ||
      d.schedule.kind == ScheduleTemplate::Dense)
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
