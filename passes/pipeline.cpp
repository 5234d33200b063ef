// run_pipeline: runs passes in order, keeps the shape cache valid, and
// writes the IR dumps and disabled-pass notes asked for.
#include <fmt/format.h>

#include <stdexcept>

#include "passes/ir_dump.h"
#include "passes/pass.h"
#include "passes/shape_inference.h"

namespace cnnc::passes {

namespace {

// --print-after and --disable-pass name passes; a typo there must not be silently ignored.
void check_pass_names(const PassRegistry& registry, const std::set<std::string>& names,
                      std::string_view flag) {
  for (const auto& n : names)
    if (!registry.find(n)) {
      auto near = ir::closest_names(n, registry.names(), 1);
      throw std::invalid_argument(
          fmt::format("{}: unknown pass '{}'{}", flag, n,
                      near.empty() ? "" : fmt::format("; did you mean '{}'?", near[0])));
    }
}

}  // namespace

void run_pipeline(const PassRegistry& registry, std::string_view spec, ir::Graph& graph,
                  PassContext& ctx, const PassManagerOptions& options) {
  auto passes = registry.expand(spec);
  check_pass_names(registry, options.print_after, "--print-after");
  check_pass_names(registry, options.disabled, "--disable-pass");
  for (const auto& name : passes) {
    const PassInfo& pass = *registry.find(name);
    if (options.disabled.count(name)) {
      if (options.dump) *options.dump << fmt::format("*** Skipped disabled pass {} ***\n", name);
      continue;
    }
    if (pass.needs_shapes && !ctx.shapes_valid) {
      infer_shapes(graph, ctx.ops);
      ctx.shapes_valid = true;
    }
    if (pass.run(graph, ctx) == Preserved::Nothing) ctx.shapes_valid = false;
    if (options.dump && (options.print_after_all || options.print_after.count(name))) {
      *options.dump << fmt::format("*** IR Dump After {} ***\n", name);
      if (options.printer)
        options.printer(graph, *options.dump);
      else
        dump_graph(graph, *options.dump);
    }
  }
}

}  // namespace cnnc::passes
