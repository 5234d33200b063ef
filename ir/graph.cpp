#include "ir/graph.h"

#include <algorithm>
#include <boost/graph/topological_sort.hpp>
#include <stdexcept>

namespace cnnc::ir {

NodeId Graph::add_node(Node node) {
  return boost::add_vertex(std::move(node), g_);
}

void Graph::connect(TensorRef src, NodeId dst, int dst_port) {
  boost::add_edge(src.node, dst, Edge{src.port, dst_port}, g_);
}

std::optional<NodeId> Graph::find(std::string_view node_name) const {
  for (NodeId v = 0; v < size(); ++v)
    if (g_[v].name == node_name) return v;
  return std::nullopt;
}

std::vector<TensorRef> Graph::inputs_of(NodeId id) const {
  std::vector<std::pair<int, TensorRef>> ports;
  for (auto [it, end] = boost::in_edges(id, g_); it != end; ++it)
    ports.emplace_back(g_[*it].dst_port, TensorRef{boost::source(*it, g_), g_[*it].src_port});
  std::sort(ports.begin(), ports.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<TensorRef> out;
  for (auto& [_, t] : ports) out.push_back(t);
  return out;
}

std::vector<NodeId> Graph::consumers_of(NodeId id) const {
  std::vector<NodeId> out;
  for (auto [it, end] = boost::out_edges(id, g_); it != end; ++it) {
    NodeId t = boost::target(*it, g_);
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

std::vector<NodeId> Graph::input_nodes() const {
  std::vector<NodeId> out;
  for (NodeId v = 0; v < size(); ++v)
    if (g_[v].kind == NodeKind::Input) out.push_back(v);
  return out;
}

std::vector<NodeId> Graph::param_nodes() const {
  std::vector<NodeId> out;
  for (NodeId v = 0; v < size(); ++v)
    if (g_[v].kind == NodeKind::Param) out.push_back(v);
  return out;
}

std::vector<NodeId> Graph::topological_order() const {
  // Kahn's algorithm, taking ready nodes in id order so the result is stable
  // and follows the model file where it can.
  std::vector<size_t> pending(size(), 0);
  for (NodeId v = 0; v < size(); ++v) pending[v] = boost::in_degree(v, g_);
  std::vector<NodeId> order, ready;
  for (NodeId v = size(); v-- > 0;)
    if (pending[v] == 0) ready.push_back(v);
  while (!ready.empty()) {
    NodeId v = ready.back();
    ready.pop_back();
    order.push_back(v);
    std::vector<NodeId> newly;
    for (auto [it, end] = boost::out_edges(v, g_); it != end; ++it)
      if (--pending[boost::target(*it, g_)] == 0) newly.push_back(boost::target(*it, g_));
    std::sort(newly.rbegin(), newly.rend());
    // Keep `ready` sorted descending so the smallest id is taken next.
    ready.insert(ready.end(), newly.begin(), newly.end());
    std::sort(ready.rbegin(), ready.rend());
  }
  if (order.size() != size()) {
    for (NodeId v = 0; v < size(); ++v)
      if (pending[v] != 0)
        throw std::runtime_error("graph has a cycle through node '" + g_[v].name + "'");
  }
  return order;
}

void Graph::replace_uses(TensorRef from, TensorRef to) {
  std::vector<std::pair<NodeId, int>> uses;
  std::vector<Impl::edge_descriptor> dead;
  for (auto [it, end] = boost::out_edges(from.node, g_); it != end; ++it)
    if (g_[*it].src_port == from.port) {
      uses.emplace_back(boost::target(*it, g_), g_[*it].dst_port);
      dead.push_back(*it);
    }
  for (auto e : dead) boost::remove_edge(e, g_);
  for (auto [dst, port] : uses) connect(to, dst, port);
  for (auto& o : outputs_)
    if (o == from) o = to;
}

std::vector<std::optional<NodeId>> Graph::remove_nodes(const std::vector<NodeId>& ids) {
  std::vector<bool> removed(size(), false);
  for (auto id : ids) removed.at(id) = true;
  for (auto& o : outputs_)
    if (removed[o.node])
      throw std::logic_error("cannot remove node '" + g_[o.node].name + "': it is a graph output");
  Impl fresh;
  std::vector<std::optional<NodeId>> remap(size());
  for (NodeId v = 0; v < size(); ++v)
    if (!removed[v]) remap[v] = boost::add_vertex(g_[v], fresh);
  for (auto [it, end] = boost::edges(g_); it != end; ++it) {
    auto s = remap[boost::source(*it, g_)], t = remap[boost::target(*it, g_)];
    if (s && t) boost::add_edge(*s, *t, g_[*it], fresh);
  }
  for (auto& o : outputs_) o.node = *remap[o.node];
  g_ = std::move(fresh);
  return remap;
}

}  // namespace cnnc::ir
