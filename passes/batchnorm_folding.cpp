#include "passes/batchnorm_folding.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::passes {

namespace {

bool foldable_layer(const ir::Node& node) {
  if (node.kind != ir::NodeKind::Op) return false;
  if (node.op != "conv1d" && node.op != "conv2d" && node.op != "conv3d" && node.op != "dense")
    return false;
  // An activation inside the layer comes before the batchnorm: no longer affine.
  return !node.attrs.has("act") || node.attrs.get_ident("act") == "none";
}

// The value of a parameter that only `user` reads, or nothing.
const ir::Tensor* own_value(const ir::Graph& g, ir::TensorRef t, ir::NodeId user) {
  const ir::Node& p = g.node(t.node);
  if (p.kind != ir::NodeKind::Param || !p.value) return nullptr;
  if (g.consumers_of(t.node) != std::vector<ir::NodeId>{user}) return nullptr;
  return &*p.value;
}

ir::NodeId add_constant(ir::Graph& g, const ir::Node& layer, const std::string& suffix,
                        ir::Tensor value) {
  ir::Node n{
      .kind = ir::NodeKind::Param, .name = layer.name + "." + suffix, .source = layer.source};
  n.outputs = {value.shape()};
  n.param = ir::ParamSpec{.shape = value.shape(), .role = ir::ParamRole::State};
  n.value = std::move(value);
  return g.add_node(std::move(n));
}

}  // namespace

size_t fold_batchnorm(ir::Graph& g) {
  std::vector<ir::NodeId> folded;
  for (ir::NodeId bn : g.topological_order()) {
    const ir::Node& norm = g.node(bn);
    if (norm.kind != ir::NodeKind::Op || norm.op != "batchnorm") continue;
    auto bn_in = g.inputs_of(bn);  // x, gamma, beta, running_mean, running_var
    if (bn_in.size() != 5) continue;
    const ir::NodeId layer_id = bn_in[0].node;
    const ir::Node& layer = g.node(layer_id);
    if (!foldable_layer(layer) || layer.outputs.size() != 1) continue;
    if (g.consumers_of(layer_id) != std::vector<ir::NodeId>{bn}) continue;
    bool graph_output = false;
    for (auto o : g.outputs()) graph_output |= o.node == layer_id;
    if (graph_output) continue;

    auto layer_in = g.inputs_of(layer_id);  // x, weight, [bias]
    const bool has_bias = layer.attrs.has("bias") && layer.attrs.get_bool("bias");
    if (layer_in.size() != (has_bias ? 3u : 2u)) continue;
    const ir::Tensor* w = own_value(g, layer_in[1], layer_id);
    const ir::Tensor* b = has_bias ? own_value(g, layer_in[2], layer_id) : nullptr;
    std::vector<const ir::Tensor*> stats;
    for (size_t i = 1; i < 5; ++i) stats.push_back(own_value(g, bn_in[i], bn));
    if (!w || (has_bias && !b)) continue;
    bool complete = true;
    for (auto* s : stats) complete &= s != nullptr;
    if (!complete) continue;

    const int64_t channels = w->shape()[0];
    const int64_t per_channel = w->size() / channels;
    const double eps = norm.attrs.get_float("eps");
    ir::Tensor weight(w->shape()), bias(ir::Shape{channels});
    for (int64_t k = 0; k < channels; ++k) {
      const double scale = (*stats[0])[k] / std::sqrt(static_cast<double>((*stats[3])[k]) + eps);
      for (int64_t i = 0; i < per_channel; ++i)
        weight[k * per_channel + i] = static_cast<float>((*w)[k * per_channel + i] * scale);
      const double b0 = b ? (*b)[k] : 0.0;
      bias[k] = static_cast<float>((b0 - (*stats[2])[k]) * scale + (*stats[1])[k]);
    }
    const ir::Node layer_copy = layer;  // add_node may move the graph's storage
    ir::NodeId new_w = add_constant(g, layer_copy, "folded_weight", std::move(weight));
    ir::NodeId new_b = add_constant(g, layer_copy, "folded_bias", std::move(bias));
    g.replace_uses(layer_in[1], {new_w, 0});
    if (has_bias) {
      g.replace_uses(layer_in[2], {new_b, 0});
    } else {
      g.node(layer_id).attrs.set("bias", true);
      g.connect({new_b, 0}, layer_id, 2);
    }
    g.replace_uses({bn, 0}, {layer_id, 0});
    folded.push_back(bn);
  }
  if (!folded.empty()) g.remove_nodes(folded);
  return folded.size();
}

}  // namespace cnnc::passes
