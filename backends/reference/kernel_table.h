// The reference backend's kernels: op name -> plain-loop implementation.
// Built-in kernels live in backends/reference/kernels/<family>.cpp; plugins
// add theirs through Registry::reference_kernels.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace cnnc::backends::reference {

class KernelTable;

struct KernelArgs {
  const ir::Node& node;                       // attributes, name, param spec
  std::span<const ir::Tensor* const> inputs;  // data inputs, then parameters
  std::span<ir::Tensor> outputs;              // allocated with the inferred shapes
  // The table this kernel was found in, for kernels that run others (`fused`
  // runs its body); null when a kernel is called on its own.
  const KernelTable* kernels = nullptr;
};

using Kernel = std::function<void(const KernelArgs&)>;

class KernelTable {
 public:
  void add(const std::string& op, Kernel kernel);
  const Kernel* find(std::string_view op) const;
  bool has(std::string_view op) const { return find(op) != nullptr; }

 private:
  std::map<std::string, Kernel, std::less<>> kernels_;
};

// Registers every built-in kernel (the same list as the ops: ir/ops/op_list.def).
void register_builtin_kernels(KernelTable& table);

}  // namespace cnnc::backends::reference
