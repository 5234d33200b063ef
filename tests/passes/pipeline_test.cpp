// PassRegistry expansion and run_pipeline: the shape cache, dumps and
// disabled passes.
#include <gtest/gtest.h>

#include <sstream>

#include "passes/pass.h"
#include "passes/shape_inference.h"
#include "tests/passes/pass_test_util.h"

namespace cnnc::passes::testing {
namespace {

using ir::kBatch;
using ir::Shape;

PassRegistry builtin_passes() {
  PassRegistry r;
  register_builtin_passes(r);
  return r;
}

// x -> dropout -> relu -> (output), shapes not yet inferred.
GraphMaker dropout_graph() {
  GraphMaker m;
  m.g.name = "tiny";
  auto d = m.op("drop", "dropout", {m.input("x", Shape{kBatch, 5})});
  auto r = m.op("act", "relu", {d});
  m.g.add_output({r, 0});
  return m;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(PassRegistry, ExpandsPipelinesAndLists) {
  auto r = builtin_passes();
  EXPECT_EQ(r.expand("inference-unfused"),
            (std::vector<std::string>{"infer-shapes", "eliminate-dropout", "fold-constants",
                                      "eliminate-dead-nodes", "infer-shapes"}));
  EXPECT_EQ(r.expand("check"), (std::vector<std::string>{"infer-shapes"}));
  EXPECT_EQ(r.expand("eliminate-dropout, check"),
            (std::vector<std::string>{"eliminate-dropout", "infer-shapes"}));
  EXPECT_EQ(r.names().size(), 6u);
  EXPECT_EQ(r.expand("inference"),
            (std::vector<std::string>{"infer-shapes", "eliminate-dropout", "fold-constants",
                                      "fold-batchnorm", "eliminate-dead-nodes", "infer-shapes",
                                      "fuse"}));
}

TEST(PassRegistry, UnknownNamesSuggest) {
  auto r = builtin_passes();
  std::string msg = message_of([&] { r.expand("infer-shapes,fold-constant"); });
  EXPECT_NE(msg.find("unknown pass or pipeline 'fold-constant'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'fold-constants'"), std::string::npos) << msg;
  msg = message_of([&] { r.expand("inferense"); });
  EXPECT_NE(msg.find("did you mean 'inference'"), std::string::npos) << msg;
  EXPECT_THROW(r.expand("check,,check"), std::invalid_argument);
  EXPECT_THROW(r.expand(""), std::invalid_argument);
  EXPECT_THROW(r.add_pipeline("mine", {"no-such-pass"}, ""), std::invalid_argument);
  EXPECT_THROW(
      r.add({.name = "check", .run = [](ir::Graph&, PassContext&) { return Preserved::All; }}),
      std::invalid_argument);
}

TEST(RunPipeline, InferencePipelineRemovesDropout) {
  auto ops = builtin_ops();
  auto r = builtin_passes();
  auto m = dropout_graph();
  PassContext ctx{ops};
  run_pipeline(r, "inference", m.g, ctx);
  EXPECT_EQ(m.g.size(), 2u);
  EXPECT_EQ(m.count_op("dropout"), 0u);
  EXPECT_TRUE(ctx.shapes_valid);
  EXPECT_EQ(m.g.node(m.id("act")).outputs, std::vector<Shape>{Shape({kBatch, 5})});
}

TEST(RunPipeline, PrintAfterWritesTheDefaultListing) {
  auto ops = builtin_ops();
  auto r = builtin_passes();
  auto m = dropout_graph();
  PassContext ctx{ops};
  std::ostringstream dump;
  PassManagerOptions opts{.print_after = {"eliminate-dropout"}, .dump = &dump};
  run_pipeline(r, "inference-unfused", m.g, ctx, opts);
  std::string text = dump.str();
  EXPECT_EQ(text,
            "*** IR Dump After eliminate-dropout ***\n"
            "graph tiny (2 nodes)\n"
            "  x = input -> [N, 5]\n"
            "  act = relu(x) -> [N, 5]\n"
            "  outputs: act\n");
}

TEST(RunPipeline, PrintAfterAllUsesTheGivenPrinter) {
  auto ops = builtin_ops();
  auto r = builtin_passes();
  auto m = dropout_graph();
  PassContext ctx{ops};
  std::ostringstream dump;
  PassManagerOptions opts{.print_after_all = true, .dump = &dump};
  opts.printer = [](const ir::Graph& g, std::ostream& out) { out << "nodes=" << g.size() << "\n"; };
  run_pipeline(r, "inference-unfused", m.g, ctx, opts);
  EXPECT_EQ(dump.str(),
            "*** IR Dump After infer-shapes ***\nnodes=3\n"
            "*** IR Dump After eliminate-dropout ***\nnodes=2\n"
            "*** IR Dump After fold-constants ***\nnodes=2\n"
            "*** IR Dump After eliminate-dead-nodes ***\nnodes=2\n"
            "*** IR Dump After infer-shapes ***\nnodes=2\n");
}

TEST(RunPipeline, DisabledPassIsSkippedAndReported) {
  auto ops = builtin_ops();
  auto r = builtin_passes();
  auto m = dropout_graph();
  PassContext ctx{ops};
  std::ostringstream dump;
  PassManagerOptions opts{.disabled = {"eliminate-dropout"}, .dump = &dump};
  run_pipeline(r, "inference-unfused", m.g, ctx, opts);
  EXPECT_EQ(m.count_op("dropout"), 1u);
  EXPECT_EQ(m.g.size(), 3u);
  EXPECT_EQ(dump.str(), "*** Skipped disabled pass eliminate-dropout ***\n");
}

TEST(RunPipeline, UnknownOptionNamesAreErrorsBeforeAnyPassRuns) {
  auto ops = builtin_ops();
  auto r = builtin_passes();
  auto m = dropout_graph();
  PassContext ctx{ops};
  std::string msg = message_of(
      [&] { run_pipeline(r, "inference", m.g, ctx, {.print_after = {"eliminate-dropuot"}}); });
  EXPECT_NE(
      msg.find(
          "--print-after: unknown pass 'eliminate-dropuot'; did you mean 'eliminate-dropout'?"),
      std::string::npos)
      << msg;
  msg = message_of([&] { run_pipeline(r, "inference", m.g, ctx, {.disabled = {"fold"}}); });
  EXPECT_NE(msg.find("--disable-pass: unknown pass 'fold'"), std::string::npos) << msg;
  EXPECT_EQ(m.g.size(), 3u);
  EXPECT_FALSE(ctx.shapes_valid);
}

TEST(RunPipeline, ShapesAreReinferredOnlyWhenInvalidatedAndNeeded) {
  auto ops = builtin_ops();
  auto r = builtin_passes();
  std::vector<std::string> seen;  // what each probe saw of act's shape
  auto probe = [&seen](std::string name, bool needs) {
    return PassInfo{
        .name = name,
        .run =
            [&seen, name](ir::Graph& g, PassContext&) {
              const auto& outs = g.node(*g.find("act")).outputs;
              seen.push_back(name + ":" + (outs.empty() ? "none" : ir::to_string(outs[0])));
              return Preserved::All;
            },
        .needs_shapes = needs};
  };
  r.add({.name = "clobber",
         .description = "forgets every shape, as a rewrite that changes them would",
         .run =
             [](ir::Graph& g, PassContext&) {
               for (ir::NodeId id = 0; id < g.size(); ++id)
                 if (g.node(id).kind == ir::NodeKind::Op) g.node(id).outputs.clear();
               return Preserved::Nothing;
             },
         .needs_shapes = false});
  r.add(probe("probe-needs", true));
  r.add(probe("probe-blind", false));
  auto m = dropout_graph();
  PassContext ctx{ops};
  // Cache starts invalid: the first needing probe triggers inference.
  run_pipeline(r, "probe-blind,probe-needs,clobber,probe-blind,probe-needs,probe-needs", m.g, ctx);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"probe-blind:none", "probe-needs:[N, 5]", "probe-blind:none",
                                      "probe-needs:[N, 5]", "probe-needs:[N, 5]"}));
  EXPECT_TRUE(ctx.shapes_valid);
  // A valid cache is trusted: nothing is recomputed.
  m.g.node(m.id("act")).outputs = {Shape{7}};
  seen.clear();
  run_pipeline(r, "probe-needs", m.g, ctx);
  EXPECT_EQ(seen, (std::vector<std::string>{"probe-needs:[7]"}));
}

TEST(RunPipeline, ShapeErrorsPropagate) {
  auto ops = builtin_ops();
  auto r = builtin_passes();
  GraphMaker m;
  auto s = m.op("s", "add", {m.input("a", Shape{kBatch, 3}), m.input("b", Shape{kBatch, 4})});
  m.g.add_output({s, 0});
  PassContext ctx{ops};
  EXPECT_THROW(run_pipeline(r, "check", m.g, ctx), ShapeError);
}

}  // namespace
}  // namespace cnnc::passes::testing
