// `fused`: the composite op the fusion pass (passes/fusion.h) makes. One node
// stands for a group of ops, carried as its body graph (ir::Node::body), so
// a backend can lower the group as one kernel. It is never written in a
// model: without a body there is nothing to compute. Its shapes are its
// body's, checked against the shapes it is given.
#include <fmt/format.h>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::ir {

namespace {

std::vector<Shape> infer_fused(const OpContext& ctx) {
  if (!ctx.body)
    throw OpError(
        "'fused' nodes are made by the `fuse` pass from groups of layers; they cannot be written "
        "in a model");
  const Graph& body = *ctx.body;
  auto inputs = body.input_nodes();
  if (ctx.inputs.size() != inputs.size())
    throw OpError(fmt::format("the fused body takes {} input(s), given {}", inputs.size(),
                              ctx.inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Shape& expected = body.node(inputs[i]).outputs.at(0);
    if (ctx.inputs[i] != expected)
      throw OpError(
          fmt::format("input {} has shape {}, but the fused body's '{}' is {}", i,
                      to_string(ctx.inputs[i]), body.node(inputs[i]).name, to_string(expected)),
          "", static_cast<int>(i));
  }
  std::vector<Shape> out;
  for (auto t : body.outputs()) out.push_back(body.shape_of(t));
  return out;
}

}  // namespace

void register_fused_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "fused";
  def.summary =
      "a group of layers made one node by the `fuse` pass; its body is a small graph (not written "
      "in models)";
  def.kind = PatternKind::Opaque;  // already a group: never fused again
  def.min_inputs = 0;
  def.max_inputs = -1;
  def.infer = infer_fused;
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
