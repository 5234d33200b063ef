// Which output of which node: how the graph, gradient rules and backends
// name a tensor. Node ids are ir::Graph vertex indices.
#pragma once

#include <cstddef>

namespace cnnc::ir {

using NodeId = size_t;

struct TensorRef {
  NodeId node = 0;
  int port = 0;
  bool operator==(const TensorRef&) const = default;
};

}  // namespace cnnc::ir
