// \file
// Fusion: each group of layers a backend can compute as one kernel becomes
// one `fused` node whose body (ir::Node::body) is the group as a small
// graph. Grouping reasons only in pattern kinds (OpDef::kind, TVM's
// OpPatternKind), never in op names, so plugin ops fuse like built-ins:
//
//  - A group starts at an output-fusable op (conv, dense, local2d,
//    conv_transpose2d) or, failing that, at an elementwise or broadcast op.
//  - It grows along the chain's tensor through elementwise and broadcast ops
//    (activations, batchnorm, add, mul); their other operands, such as a
//    residual add's shortcut, become inputs of the group.
//  - It may end with one reduction (pooling, softmax, ...) whose only data
//    input is the chain's tensor.
//  - A tensor read by more than one layer, or that is a graph output, must
//    stay materialized: the group ends there. Injective and opaque ops are
//    never fused, nor are ops with several outputs; a group of one layer is
//    left as it is.
//
// Parameters move into the body with their values. The fused node is named
// after its last member, the tensor it produces, so graph outputs and every
// tensor left keep their names; its body is named after all members
// ("c1+relu1+p1"). It keeps the first member's source location.
// The reference backend runs a body with the same kernels in the same order,
// so fusion never changes a result; other backends lower a body as one
// kernel.
#pragma once

#include <cstddef>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::passes {

// Needs shapes; keeps them valid. Returns how many fused nodes were made.
// Layers whose op is unknown to `ops` are left alone.
size_t fuse_ops(ir::Graph& graph, const ir::OpRegistry& ops);

}  // namespace cnnc::passes
