// The IR listing `--print-after` writes when no printer is given (the text
// printer of the model language lives in ir/ and is wired in by the runtime):
// one line per node in topological order, with its op, output shapes and the
// tensors it reads, so a pass's effect can be read at a glance.
#pragma once

#include <ostream>

#include "ir/graph.h"

namespace cnnc::passes {

// "c1 = conv2d(image, c1.weight) -> [N, 6, 28, 28]"; params show "param",
// a value as "= const"; graph outputs are listed last.
void dump_graph(const ir::Graph& graph, std::ostream& out);

}  // namespace cnnc::passes
