// The canonical text form of a graph, in the model language itself: blocks
// expanded, every layer named, attributes that differ from their defaults in
// schema order, `from=` only where a layer does not read the line above.
// Parsing the output gives the same graph: format(parse(x)) == x for any x
// already in this form. The exception is a graph after the `fuse` pass: a
// fused node prints as `fused r1 from=...  # conv2d c1 ...; relu r1`, its
// members in the comment. That is a dump to read, not a model to parse.
#pragma once

#include <string>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::ir {

std::string print_model(const Graph& graph, const OpRegistry& ops);

}  // namespace cnnc::ir
