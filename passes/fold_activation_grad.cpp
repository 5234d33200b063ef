#include "passes/fold_activation_grad.h"

#include <algorithm>

namespace cnnc::passes {

size_t fold_activation_grads(ir::Graph& g) {
  size_t folded = 0;
  for (ir::NodeId id : g.topological_order()) {
    const ir::Node& act = g.node(id);
    if (act.kind != ir::NodeKind::Op || act.op != "activation_grad") continue;
    const std::vector<ir::TensorRef> in = g.inputs_of(id);  // y, dy
    if (in.size() != 2) continue;
    const ir::NodeId pool = in[1].node;
    ir::Node& p = g.node(pool);
    // Which input of the producer is the activation's output (x).
    const int x_port = p.op == "pool_grad" ? 0 : p.op == "conv_grad_input" ? 2 : -1;
    if (p.kind != ir::NodeKind::Op || x_port < 0) continue;
    if (p.attrs.has("act") && p.attrs.get_ident("act") != "none") continue;
    if (g.inputs_of(pool).at(static_cast<size_t>(x_port)) != in[0]) continue;
    const std::vector<ir::NodeId> readers = g.consumers_of(pool);
    const auto outputs = g.outputs();
    if (readers.size() != 1 ||
        std::find(outputs.begin(), outputs.end(), ir::TensorRef{pool, 0}) != outputs.end())
      continue;
    p.attrs.set("act", act.attrs.get_ident("act"));
    p.attrs.set("act_alpha", act.attrs.has("act_alpha") ? act.attrs.get_float("act_alpha") : 0.0);
    g.replace_uses({id, 0}, {pool, 0});
    ++folded;
  }
  return folded;
}

}  // namespace cnnc::passes
