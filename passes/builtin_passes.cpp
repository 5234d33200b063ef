// The built-in passes and pipelines, registered as a plugin's would be.
#include "passes/batchnorm_folding.h"
#include "passes/constant_folding.h"
#include "passes/dead_node_elimination.h"
#include "passes/dropout_elimination.h"
#include "passes/fusion.h"
#include "passes/pass.h"
#include "passes/shape_inference.h"

namespace cnnc::passes {

void register_builtin_passes(PassRegistry& registry) {
  registry.add({.name = "infer-shapes",
                .description = "infer every tensor's shape and check the model's shape assertions",
                .run =
                    [](ir::Graph& g, PassContext& ctx) {
                      infer_shapes(g, ctx.ops);
                      ctx.shapes_valid = true;
                      return Preserved::All;
                    },
                .needs_shapes = false});
  registry.add({.name = "eliminate-dropout",
                .description = "replace dropout (the identity at inference) by its input",
                .run =
                    [](ir::Graph& g, PassContext&) {
                      eliminate_dropout(g);
                      return Preserved::Shapes;
                    },
                .needs_shapes = false});
  registry.add(
      {.name = "fold-constants",
       .description = "compute ops whose inputs are all constant parameters at compile time",
       .run = [](ir::Graph& g, PassContext& ctx) {
         fold_constants(g, ctx.ops, ctx.evaluate);
         return Preserved::Shapes;
       }});
  registry.add({.name = "fold-batchnorm",
                .description = "fold each batchnorm after a conv or dense layer into that "
                               "layer's weights and bias (inference; needs weight values)",
                .run = [](ir::Graph& g, PassContext&) {
                  fold_batchnorm(g);
                  return Preserved::Shapes;
                }});
  registry.add({.name = "eliminate-dead-nodes",
                .description = "remove ops and parameters that no graph output depends on",
                .run =
                    [](ir::Graph& g, PassContext&) {
                      eliminate_dead_nodes(g);
                      return Preserved::Shapes;
                    },
                .needs_shapes = false});
  registry.add({.name = "fuse",
                .description =
                    "replace each conv/dense with the elementwise layers and pooling after "
                    "it (groups found by op kind) by one `fused` node",
                .run = [](ir::Graph& g, PassContext& ctx) {
                  fuse_ops(g, ctx.ops);
                  return Preserved::Shapes;
                }});
  registry.add_pipeline("inference-unfused",
                        {"infer-shapes", "eliminate-dropout", "fold-constants",
                         "eliminate-dead-nodes", "infer-shapes"},
                        "shapes, dropout removed, constants folded, dead nodes gone; no fusion");
  registry.add_pipeline("inference",
                        {"infer-shapes", "eliminate-dropout", "fold-constants", "fold-batchnorm",
                         "eliminate-dead-nodes", "infer-shapes", "fuse"},
                        "the default for running a model: inference-unfused with batchnorms "
                        "folded into the layers before them, then fusion into `fused` kernels");
  registry.add_pipeline("check", {"infer-shapes"}, "shape inference and assertions only");
}

}  // namespace cnnc::passes
