#include "runtime/model.h"

#include "backends/reference/kernel_table.h"
#include "frontend/model_loader.h"
#include "ir/text_printer.h"
#include "runtime/weights.h"

namespace cnnc {

passes::ConstantEvaluator reference_evaluator(Registry& registry) {
  return [&registry](const ir::Node& node,
                     std::span<const ir::Tensor> inputs) -> std::optional<std::vector<ir::Tensor>> {
    const auto* kernel = registry.reference_kernels.find(node.op);
    if (!kernel) return std::nullopt;
    std::vector<const ir::Tensor*> in;
    for (const auto& t : inputs) in.push_back(&t);
    std::vector<ir::Tensor> out;
    for (const auto& s : node.outputs) out.emplace_back(s);
    (*kernel)(backends::reference::KernelArgs{node, in, out});
    return out;
  };
}

ir::Graph parse_model_file(const std::string& path, Registry& registry) {
  return frontend::load_model(path, registry.ops);
}

ir::Graph load_model(const std::string& path, Registry& registry, const ModelOptions& options) {
  ir::Graph graph = parse_model_file(path, registry);
  if (!options.weights.empty())
    load_weights(graph, options.weights);
  else if (!options.init.empty())
    initialize_params(graph, options.init, options.seed);
  passes::PassContext ctx{registry.ops};
  ctx.shapes_valid = true;
  ctx.evaluate = reference_evaluator(registry);
  passes::PassManagerOptions pm = options.passes;
  if (!pm.printer)
    pm.printer = [&registry](const ir::Graph& g, std::ostream& out) {
      out << ir::print_model(g, registry.ops);
    };
  passes::run_pipeline(registry.passes, options.pipeline, graph, ctx, pm);
  return graph;
}

}  // namespace cnnc
