#include "ir/gradient.h"

#include <fmt/format.h>

#include <stdexcept>

namespace cnnc::ir {

TensorRef GradientContext::add(std::string_view op, std::string_view suffix,
                               std::vector<TensorRef> args, AttrMap attrs) {
  const OpDef* def = ops.find(op);
  if (!def) throw std::logic_error(fmt::format("gradient rule: op '{}' is not registered", op));
  std::vector<Shape> shapes;
  for (const auto& a : args) shapes.push_back(graph.shape_of(a));
  Node n{.kind = NodeKind::Op,
         .name = fmt::format("{}.grad.{}", forward().name, suffix),
         .op = std::string(op),
         .attrs = std::move(attrs)};
  for (const AttrSpec& spec : def->attrs)
    if (!n.attrs.has(spec.name) && spec.default_value) n.attrs.set(spec.name, *spec.default_value);
  n.source = forward().source;
  n.outputs = def->infer(OpContext{n.attrs, shapes, shapes.size()});
  const NodeId id = graph.add_node(std::move(n));
  for (size_t i = 0; i < args.size(); ++i) graph.connect(args[i], id, static_cast<int>(i));
  return {id, 0};
}

TensorRef GradientContext::through_fused_activation() {
  const AttrMap forward_attrs = forward().attrs;  // add() may move the node
  if (!forward_attrs.has("act") || forward_attrs.get_ident("act") == "none") return output_grad;
  AttrMap act;
  act.set("act", forward_attrs.get_ident("act"));
  act.set("act_alpha", forward_attrs.has("act_alpha") ? forward_attrs.get_float("act_alpha") : 0.0);
  return add("activation_grad", "act", {output, output_grad}, std::move(act));
}

AttrMap GradientContext::forward_attrs(std::initializer_list<const char*> names) const {
  AttrMap out;
  for (const char* name : names)
    if (forward().attrs.has(name)) out.set(name, forward().attrs.get(name));
  return out;
}

}  // namespace cnnc::ir
