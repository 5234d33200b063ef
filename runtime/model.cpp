#include "runtime/model.h"

#include "frontend/model_loader.h"
#include "ir/text_printer.h"
#include "runtime/weights.h"

namespace cnnc {

ir::Graph parse_model_file(const std::string& path, Registry& registry) {
  return frontend::load_model(path, registry.ops);
}

ir::Graph load_model(const std::string& path, Registry& registry, const ModelOptions& options) {
  ir::Graph graph = parse_model_file(path, registry);
  if (!options.weights.empty()) load_weights(graph, options.weights);
  else if (!options.init.empty()) initialize_params(graph, options.init, options.seed);
  passes::PassContext ctx{registry.ops};
  ctx.shapes_valid = true;
  passes::PassManagerOptions pm = options.passes;
  if (!pm.printer) pm.printer = [&registry](const ir::Graph& g, std::ostream& out) { out << ir::print_model(g, registry.ops); };
  passes::run_pipeline(registry.passes, options.pipeline, graph, ctx, pm);
  return graph;
}

}  // namespace cnnc
