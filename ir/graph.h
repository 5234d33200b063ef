// ir::Graph: a model as a Boost.Graph adjacency_list. Vertices are nodes
// (model inputs, parameters, ops); edges are tensors, carrying which output
// of the producer feeds which input of the consumer.
//
// Parameters (weights, biases, batchnorm statistics) are graph inputs with a
// name (`c1.weight`) and optional initial data. Node ids are vertex indices:
// stable until nodes are removed (remove_nodes renumbers).
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/attribute.h"
#include "ir/op_def.h"
#include "ir/shape.h"
#include "ir/source_location.h"
#include "ir/tensor.h"
#include "ir/tensor_ref.h"

namespace cnnc::ir {

enum class NodeKind { Input, Param, Op };

class Graph;

struct Node {
  NodeKind kind = NodeKind::Op;
  std::string name;  // unique in the graph; params are `<layer>.<suffix>`
  std::string op;    // registry name for Op nodes
  AttrMap attrs;
  SourceTrace source;
  std::vector<Shape> outputs;           // filled by shape inference
  std::optional<Shape> asserted_shape;  // `: [N, 6, 28, 28]` in the model
  // Param nodes: role, how to initialize, and the data once loaded.
  ParamSpec param;
  std::optional<Tensor> value;
  // Op `fused` (passes/fusion.h): the group this node stands for. Its Input
  // nodes are this node's inputs in port order, its Params the group's
  // parameters with their values, its one output this node's output; its
  // name lists the members ("c1+relu1+p1").
  std::shared_ptr<const Graph> body;
};

struct Edge {
  int src_port = 0;  // which output of the producer
  int dst_port = 0;  // which input of the consumer
};

class Graph {
 public:
  using Impl = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, Node, Edge>;

  std::string name;  // `model NAME`

  NodeId add_node(Node node);
  // Feeds tensor `src` into input `dst_port` of `dst`.
  void connect(TensorRef src, NodeId dst, int dst_port);
  void add_output(TensorRef t) { outputs_.push_back(t); }
  void set_outputs(std::vector<TensorRef> outs) { outputs_ = std::move(outs); }

  size_t size() const { return boost::num_vertices(g_); }
  Node& node(NodeId id) { return g_[id]; }
  const Node& node(NodeId id) const { return g_[id]; }
  std::optional<NodeId> find(std::string_view node_name) const;

  // The tensors feeding `id`, ordered by input port.
  std::vector<TensorRef> inputs_of(NodeId id) const;
  // Nodes consuming any output of `id`.
  std::vector<NodeId> consumers_of(NodeId id) const;
  std::vector<NodeId> input_nodes() const;  // NodeKind::Input, in insertion order
  std::vector<NodeId> param_nodes() const;  // NodeKind::Param, in insertion order
  const std::vector<TensorRef>& outputs() const { return outputs_; }
  const Shape& shape_of(TensorRef t) const {
    return g_[t.node].outputs.at(static_cast<size_t>(t.port));
  }

  // Nodes in a topological order (inputs and params first); throws
  // std::runtime_error naming a node on a cycle.
  std::vector<NodeId> topological_order() const;
  // Rewires every consumer of `from` (and graph outputs) to `to`.
  void replace_uses(TensorRef from, TensorRef to);
  // Removes nodes and renumbers; returns old id -> new id (nullopt if removed).
  std::vector<std::optional<NodeId>> remove_nodes(const std::vector<NodeId>& ids);

  const Impl& impl() const { return g_; }

 private:
  Impl g_;
  std::vector<TensorRef> outputs_;
};

}  // namespace cnnc::ir
