#include "passes/fusion.h"

#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cnnc::passes {

namespace {

using ir::NodeId;
using ir::PatternKind;
using ir::TensorRef;

class Fuser {
 public:
  Fuser(ir::Graph& graph, const ir::OpRegistry& ops)
      : graph_(graph), ops_(ops), taken_(graph.size(), false), is_output_(graph.size(), false) {
    for (auto t : graph.outputs()) is_output_[t.node] = true;
  }

  size_t run() {
    std::vector<std::vector<NodeId>> groups;
    for (NodeId id : graph_.topological_order()) {
      auto kind = kind_of(id);
      if (taken_[id] || !kind || !starts_group(*kind)) continue;
      auto members = grow(id);
      if (members.size() < 2) continue;
      for (auto m : members) taken_[m] = true;
      groups.push_back(std::move(members));
    }
    std::vector<NodeId> removed;
    for (const auto& members : groups) {
      contract(members);
      removed.insert(removed.end(), members.begin(), members.end());
    }
    auto params = params_only_read_by(removed);
    removed.insert(removed.end(), params.begin(), params.end());
    if (!removed.empty()) graph_.remove_nodes(removed);
    return groups.size();
  }

 private:
  static bool starts_group(PatternKind k) {
    return k == PatternKind::OutputFusable || extends_chain(k);
  }
  static bool extends_chain(PatternKind k) {
    return k == PatternKind::Elementwise || k == PatternKind::Broadcast;
  }

  // The pattern kind of a fusable candidate: a known op with one output.
  std::optional<PatternKind> kind_of(NodeId id) const {
    const ir::Node& n = graph_.node(id);
    if (n.kind != ir::NodeKind::Op || n.outputs.size() != 1) return std::nullopt;
    const ir::OpDef* def = ops_.find(n.op);
    if (!def) return std::nullopt;
    return def->kind;
  }

  // The one free layer reading `id`'s output, when that tensor may become
  // interior to a group: no other reader and not a graph output.
  std::optional<NodeId> sole_consumer(NodeId id) const {
    if (is_output_[id]) return std::nullopt;
    auto consumers = graph_.consumers_of(id);
    if (consumers.size() != 1 || taken_[consumers[0]]) return std::nullopt;
    return consumers[0];
  }

  std::vector<TensorRef> data_inputs(NodeId id) const {
    std::vector<TensorRef> out;
    for (auto t : graph_.inputs_of(id))
      if (graph_.node(t.node).kind != ir::NodeKind::Param) out.push_back(t);
    return out;
  }

  std::vector<NodeId> grow(NodeId start) const {
    std::vector<NodeId> members{start};
    while (auto next = sole_consumer(members.back())) {
      auto kind = kind_of(*next);
      if (!kind) break;
      if (extends_chain(*kind)) {
        members.push_back(*next);
        continue;
      }
      if (*kind == PatternKind::Reduction &&
          data_inputs(*next) == std::vector<TensorRef>{{members.back(), 0}})
        members.push_back(*next);
      break;
    }
    return members;
  }

  std::string tensor_name(TensorRef t) const {
    const auto& name = graph_.node(t.node).name;
    return t.port == 0 ? name : fmt::format("{}:{}", name, t.port);
  }

  // "c1+bn1+relu1": the members, for the body's name and the DOT cluster.
  std::string group_name(const std::vector<NodeId>& members) const {
    std::vector<std::string> parts;
    for (auto m : members) parts.push_back(graph_.node(m).name);
    return fmt::format("{}", fmt::join(parts, "+"));
  }

  // Replaces `members` (a chain, in order) by one fused node reading what
  // they read from outside; the members themselves are removed later.
  void contract(const std::vector<NodeId>& members) {
    auto body = std::make_shared<ir::Graph>();
    std::map<std::pair<NodeId, int>, TensorRef> inner;  // outer tensor -> body tensor
    std::vector<TensorRef> external;                    // the fused node's inputs, by port
    for (NodeId m : members) {
      auto inputs = graph_.inputs_of(m);
      for (auto t : inputs) {
        if (inner.count({t.node, t.port})) continue;
        const ir::Node& src = graph_.node(t.node);
        ir::Node copy;
        if (src.kind == ir::NodeKind::Param) {
          copy = src;
        } else {
          copy =
              ir::Node{.kind = ir::NodeKind::Input, .name = tensor_name(t), .source = src.source};
          copy.outputs = {graph_.shape_of(t)};
          external.push_back(t);
        }
        inner[{t.node, t.port}] = {body->add_node(std::move(copy)), 0};
      }
      NodeId id = body->add_node(graph_.node(m));
      for (size_t port = 0; port < inputs.size(); ++port)
        body->connect(inner.at({inputs[port].node, inputs[port].port}), id, static_cast<int>(port));
      inner[{m, 0}] = {id, 0};
    }
    NodeId last = members.back();
    body->name = group_name(members);
    body->add_output(inner.at({last, 0}));

    const ir::Node& anchor = graph_.node(members.front());
    // Named after the tensor it produces, so every tensor left in the graph
    // (graph outputs included) keeps its name.
    ir::Node fused{.kind = ir::NodeKind::Op, .name = graph_.node(last).name, .op = "fused"};
    fused.source = anchor.source;
    fused.outputs = graph_.node(last).outputs;
    fused.body = std::move(body);
    NodeId id = graph_.add_node(std::move(fused));
    for (size_t port = 0; port < external.size(); ++port)
      graph_.connect(external[port], id, static_cast<int>(port));
    graph_.replace_uses({last, 0}, {id, 0});
  }

  // Parameters read only by the layers in `removed`: they now live in bodies.
  std::vector<NodeId> params_only_read_by(const std::vector<NodeId>& removed) const {
    std::set<NodeId> gone(removed.begin(), removed.end()), candidates;
    for (NodeId m : removed)
      for (auto t : graph_.inputs_of(m))
        if (graph_.node(t.node).kind == ir::NodeKind::Param) candidates.insert(t.node);
    std::vector<NodeId> out;
    for (NodeId p : candidates) {
      if (p < is_output_.size() && is_output_[p]) continue;
      bool only_members = true;
      for (NodeId c : graph_.consumers_of(p)) only_members = only_members && gone.count(c);
      if (only_members) out.push_back(p);
    }
    return out;
  }

  ir::Graph& graph_;
  const ir::OpRegistry& ops_;
  std::vector<bool> taken_, is_output_;  // by the ids before fusion
};

}  // namespace

size_t fuse_ops(ir::Graph& graph, const ir::OpRegistry& ops) {
  return Fuser(graph, ops).run();
}

}  // namespace cnnc::passes
