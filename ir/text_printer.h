// The canonical text form of a graph, in the model language itself: blocks
// expanded, every layer named, attributes that differ from their defaults in
// schema order, `from=` only where a layer does not read the line above.
// Parsing the output gives the same graph: format(parse(x)) == x for any x
// already in this form.
#pragma once

#include <string>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::ir {

std::string print_model(const Graph& graph, const OpRegistry& ops);

}  // namespace cnnc::ir
