#include "passes/fusion.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "backends/reference/reference_backend.h"
#include "frontend/diagnostics.h"
#include "frontend/model_loader.h"
#include "ir/dot_printer.h"
#include "ir/text_printer.h"
#include "ir/verifier.h"
#include "passes/shape_inference.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "tests/passes/pass_test_util.h"

namespace cnnc::passes::testing {
namespace {

namespace fs = std::filesystem;
using backends::reference::KernelTable;
using ir::kBatch;
using ir::Shape;

// Ops and kernels of the built-ins, plus what a test registers, as a plugin would.
struct Env {
  ir::OpRegistry ops;
  KernelTable kernels;
  Env() {
    ir::register_builtin_ops(ops);
    backends::reference::register_builtin_kernels(kernels);
  }
  // A one-input op of the given kind that computes 2 * x, as a plugin adds one.
  void add_doubling_op(const std::string& name, ir::PatternKind kind) {
    ir::OpDef def;
    def.name = name;
    def.summary = "2 * x";
    def.kind = kind;
    def.infer = [](const ir::OpContext& ctx) { return std::vector<Shape>{ctx.input(0)}; };
    ops.add(std::move(def));
    kernels.add(name, [](const backends::reference::KernelArgs& args) {
      auto in = args.inputs[0]->data();
      auto out = args.outputs[0].data();
      for (size_t i = 0; i < in.size(); ++i) out[i] = 2 * in[i];
    });
  }
  ir::Graph parse(const std::string& text) const {
    return frontend::parse_model("test.cnn", text, ops);
  }
  std::vector<ir::Tensor> run(const ir::Graph& g, const std::vector<ir::Tensor>& inputs) const {
    return backends::reference::make_reference_backend(kernels)->compile(g, {})->run(inputs);
  }
};

// Every parameter gets seeded values; batchnorm statistics (State) stay
// positive so running variances are valid.
void randomize_params(ir::Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  for (auto id : g.param_nodes()) {
    ir::Node& p = g.node(id);
    bool state = p.param.role == ir::ParamRole::State;
    std::uniform_real_distribution<float> u(state ? 0.5f : -0.5f, state ? 1.5f : 0.5f);
    ir::Tensor t(p.param.shape);
    for (auto& v : t.data()) v = u(rng);
    p.value = std::move(t);
  }
}

std::vector<ir::Tensor> random_inputs(const ir::Graph& g, int64_t batch, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<ir::Tensor> out;
  for (auto id : g.input_nodes()) {
    ir::Tensor t(g.node(id).outputs.at(0).with_batch(batch));
    for (auto& v : t.data()) v = u(rng);
    out.push_back(std::move(t));
  }
  return out;
}

// Fusion runs the same kernels in the same order: results must be bit-identical.
void expect_identical(const std::vector<ir::Tensor>& a, const std::vector<ir::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].shape(), b[k].shape()) << "output " << k;
    size_t differing = 0;
    for (int64_t i = 0; i < a[k].size(); ++i)
      differing += std::bit_cast<uint32_t>(a[k][i]) != std::bit_cast<uint32_t>(b[k][i]);
    EXPECT_EQ(differing, 0u) << "output " << k << " differs in " << differing << " of "
                             << a[k].size() << " elements";
  }
}

// The fused nodes' bodies' names ("c1+r+p1"), in order.
std::vector<std::string> group_names(const ir::Graph& g) {
  std::vector<std::string> out;
  for (auto id : g.topological_order())
    if (g.node(id).op == "fused") {
      EXPECT_TRUE(g.node(id).body) << g.node(id).name;
      if (g.node(id).body) out.push_back(g.node(id).body->name);
    }
  return out;
}

// Names of the op layers of a fused node's body, in order; a fused node is
// named after its last member.
std::vector<std::string> members(const ir::Graph& g, const std::string& fused) {
  const ir::Node& n = g.node(g.find(fused).value());
  EXPECT_TRUE(n.body) << fused;
  std::vector<std::string> out;
  if (!n.body) return out;
  for (auto id : n.body->topological_order())
    if (n.body->node(id).kind == ir::NodeKind::Op) out.push_back(n.body->node(id).name);
  return out;
}

std::vector<std::string> input_names(const ir::Graph& g, const std::string& node) {
  std::vector<std::string> out;
  for (auto t : g.inputs_of(g.find(node).value())) out.push_back(g.node(t.node).name);
  return out;
}

// Fuses a copy of `g` and checks it is sound and computes what `g` computes.
ir::Graph fuse_and_compare(const Env& env, const ir::Graph& g, size_t expected_groups,
                           int64_t batch = 2) {
  ir::Graph fused = g;
  EXPECT_EQ(fuse_ops(fused, env.ops), expected_groups);
  EXPECT_EQ(ir::verify(fused, env.ops), std::vector<std::string>{});
  auto inputs = random_inputs(g, batch, 11);
  expect_identical(env.run(g, inputs), env.run(fused, inputs));
  return fused;
}

TEST(Fusion, ConvBiasActReluMaxpoolBecomeOneNode) {
  Env env;
  ir::Graph g = env.parse(
      "model m\ninput x [N, 3, 9, 9]\n"
      "conv2d c1 filters=4 kernel=3 pad=1 act=relu\n"
      "relu r\n"
      "maxpool p1 kernel=2 stride=2\n"
      "output p1\n");
  randomize_params(g, 1);
  ir::Graph f = fuse_and_compare(env, g, 1);

  ASSERT_EQ(group_names(f), (std::vector<std::string>{"c1+r+p1"}));
  EXPECT_EQ(members(f, "p1"), (std::vector<std::string>{"c1", "r", "p1"}));
  EXPECT_EQ(input_names(f, "p1"), (std::vector<std::string>{"x"}));
  EXPECT_EQ(f.size(), 2u);  // x and the fused node: the parameters live in the body
  const ir::Node& node = f.node(*f.find("p1"));
  EXPECT_EQ(node.op, "fused");
  EXPECT_EQ(node.outputs, (std::vector<Shape>{Shape{kBatch, 4, 4, 4}}));
  EXPECT_EQ(node.source.location.line, g.node(*g.find("c1")).source.location.line);
  EXPECT_EQ(f.outputs(), (std::vector<ir::TensorRef>{{*f.find("p1"), 0}}));
  const ir::Graph& body = *node.body;
  ASSERT_EQ(body.input_nodes().size(), 1u);
  EXPECT_EQ(body.node(body.input_nodes()[0]).name, "x");
  ASSERT_EQ(body.param_nodes().size(), 2u);
  for (auto id : body.param_nodes()) {
    const ir::Node& p = body.node(id);
    ASSERT_TRUE(p.value.has_value()) << p.name;
    const ir::Node& original = g.node(*g.find(p.name));
    EXPECT_EQ(p.value->shape(), original.value->shape());
    EXPECT_TRUE(
        std::equal(p.value->data().begin(), p.value->data().end(), original.value->data().begin()));
  }
  EXPECT_EQ(body.node(*body.find("c1")).attrs.get_ident("act"), "relu");
  // Shape inference of the fused graph agrees with what fusion recorded.
  ir::Graph again = f;
  infer_shapes(again, env.ops);
  EXPECT_EQ(again.node(*again.find("p1")).outputs, node.outputs);
}

TEST(Fusion, DenseAndItsActivation) {
  Env env;
  ir::Graph g = env.parse(
      "model m\ninput x [N, 8]\ndense d units=5\nrelu r\ndense d2 units=3\nsigmoid s\noutput s\n");
  randomize_params(g, 2);
  ir::Graph f = fuse_and_compare(env, g, 2, 3);
  EXPECT_EQ(group_names(f), (std::vector<std::string>{"d+r", "d2+s"}));
  EXPECT_EQ(input_names(f, "s"), (std::vector<std::string>{"r"}));
  EXPECT_EQ(f.node(*f.find("r")).op, "fused");
}

TEST(Fusion, ResidualBlockAddJoinsTheSecondConv) {
  Env env;
  ir::Graph g = env.parse(
      "model block\ninput x [N, 4, 6, 6]\n"
      "conv2d stem filters=4 kernel=3 pad=1 bias=false\n"
      "batchnorm stem_bn\n"
      "relu stem_relu\n"
      "conv2d conv_a filters=4 kernel=3 pad=1 bias=false\n"
      "batchnorm bn_a\n"
      "relu relu_a\n"
      "conv2d conv_b filters=4 kernel=3 pad=1 bias=false\n"
      "batchnorm bn_b\n"
      "add sum from=bn_b,stem_relu\n"
      "relu out\n"
      "output out\n");
  randomize_params(g, 3);
  ir::Graph f = fuse_and_compare(env, g, 3);
  // stem_relu is read twice (conv_a and the shortcut): it ends the first group.
  ASSERT_EQ(group_names(f),
            (std::vector<std::string>{"stem+stem_bn+stem_relu", "conv_a+bn_a+relu_a",
                                      "conv_b+bn_b+sum+out"}));
  EXPECT_EQ(members(f, "out"), (std::vector<std::string>{"conv_b", "bn_b", "sum", "out"}));
  // The shortcut is the group's second input, read by `sum` at its port 1.
  EXPECT_EQ(input_names(f, "out"), (std::vector<std::string>{"relu_a", "stem_relu"}));
  const ir::Graph& body = *f.node(*f.find("out")).body;
  auto sum_inputs = body.inputs_of(*body.find("sum"));
  ASSERT_EQ(sum_inputs.size(), 2u);
  EXPECT_EQ(body.node(sum_inputs[0].node).name, "bn_b");
  EXPECT_EQ(body.node(sum_inputs[1].node).name, "stem_relu");
  EXPECT_EQ(body.node(sum_inputs[1].node).kind, ir::NodeKind::Input);
  EXPECT_EQ(body.param_nodes().size(), 5u);  // conv_b.weight and bn_b's four
  EXPECT_TRUE(f.param_nodes().empty());
}

TEST(Fusion, TensorReadTwiceStaysMaterialized) {
  Env env;
  ir::Graph g = env.parse(
      "model m\ninput x [N, 2, 5, 5]\n"
      "conv2d c filters=3 kernel=3 pad=1\n"
      "relu r\n"
      "tanh t from=r\n"
      "sigmoid s from=r\n"
      "add o from=t,s\n"
      "output o\n");
  randomize_params(g, 4);
  ir::Graph f = fuse_and_compare(env, g, 2);
  // r feeds two layers: conv+relu end there; t starts a chain that takes the
  // add, whose other operand s (its consumer already taken) stays alone.
  EXPECT_EQ(group_names(f), (std::vector<std::string>{"c+r", "t+o"}));
  EXPECT_EQ(f.node(*f.find("s")).op, "sigmoid");
  EXPECT_EQ(input_names(f, "s"), (std::vector<std::string>{"r"}));
  EXPECT_EQ(input_names(f, "o"), (std::vector<std::string>{"r", "s"}));

  // A conv whose output is read twice has no chain to take: nothing fuses.
  ir::Graph h = env.parse(
      "model m\ninput x [N, 2, 5, 5]\n"
      "conv2d c filters=3 kernel=3 pad=1\n"
      "relu r from=c\nmaxpool p kernel=2 from=c\nflatten fr from=r\nflatten fp from=p\n"
      "output fr, fp\n");
  randomize_params(h, 5);
  fuse_and_compare(env, h, 0);
}

TEST(Fusion, GraphOutputInsideAChainEndsTheGroup) {
  Env env;
  ir::Graph g = env.parse(
      "model m\ninput x [N, 2, 5, 5]\n"
      "conv2d c filters=3 kernel=3\nrelu r\ntanh t\noutput r, t\n");
  randomize_params(g, 6);
  ir::Graph f = fuse_and_compare(env, g, 1);
  EXPECT_EQ(group_names(f), (std::vector<std::string>{"c+r"}));
  ASSERT_EQ(f.outputs().size(), 2u);
  EXPECT_EQ(f.node(f.outputs()[0].node).name, "r");
  EXPECT_EQ(f.node(f.outputs()[0].node).op, "fused");
  EXPECT_EQ(f.node(f.outputs()[1].node).name, "t");
  EXPECT_EQ(f.node(f.outputs()[1].node).op, "tanh");
  EXPECT_EQ(input_names(f, "t"), (std::vector<std::string>{"r"}));
}

TEST(Fusion, OpaqueAndInjectiveOpsAreNotFused) {
  Env env;
  env.add_doubling_op("opaque_double", ir::PatternKind::Opaque);
  ir::Graph g = env.parse(
      "model m\ninput x [N, 2, 5, 5]\n"
      "conv2d c filters=3 kernel=3\nopaque_double o\nrelu r\n"
      "conv2d c2 filters=3 kernel=1\nflatten f\nrelu r2\noutput r2\n");
  randomize_params(g, 7);
  ir::Graph f = fuse_and_compare(env, g, 0);
  EXPECT_EQ(f.size(), g.size());
  EXPECT_TRUE(group_names(f).empty());

  // A reduction only ends a group; it neither starts one nor is followed.
  ir::Graph h = env.parse(
      "model m\ninput x [N, 2, 6, 6]\n"
      "maxpool p kernel=2\nrelu r\nconv2d c filters=2 kernel=1\nsoftmax s axis=1\nrelu r2\n"
      "output r2\n");
  randomize_params(h, 8);
  ir::Graph fh = fuse_and_compare(env, h, 1);
  EXPECT_EQ(group_names(fh), (std::vector<std::string>{"c+s"}));
  EXPECT_EQ(input_names(fh, "r2"), (std::vector<std::string>{"s"}));
  EXPECT_EQ(input_names(fh, "s"), (std::vector<std::string>{"r"}));
  EXPECT_EQ(fh.node(*fh.find("r")).op, "relu");
}

TEST(Fusion, PluginOpFusesByItsPatternKind) {
  Env env;
  env.add_doubling_op("double_it", ir::PatternKind::Elementwise);
  ir::Graph g = env.parse(
      "model m\ninput x [N, 2, 6, 6]\n"
      "conv2d c filters=3 kernel=3 pad=1\ndouble_it d\navgpool p kernel=2\noutput p\n");
  randomize_params(g, 9);
  ir::Graph f = fuse_and_compare(env, g, 1);
  EXPECT_EQ(group_names(f), (std::vector<std::string>{"c+d+p"}));
  EXPECT_EQ(members(f, "p"), (std::vector<std::string>{"c", "d", "p"}));
}

TEST(Fusion, ChainsWithoutAnAnchorFuseAndFusedNodesAreFinal) {
  Env env;
  ir::Graph g = env.parse(
      "model m\ninput a [N, 3, 4, 4]\ninput b [N, 3, 4, 4]\n"
      "add s from=a,b\nbatchnorm bn\nrelu r\nmaxpool p kernel=2\noutput p\n");
  randomize_params(g, 10);
  ir::Graph f = fuse_and_compare(env, g, 1);
  EXPECT_EQ(group_names(f), (std::vector<std::string>{"s+bn+r+p"}));
  EXPECT_EQ(input_names(f, "p"), (std::vector<std::string>{"a", "b"}));
  // Running the pass again finds nothing: a fused node is opaque.
  ir::Graph twice = f;
  EXPECT_EQ(fuse_ops(twice, env.ops), 0u);
  EXPECT_EQ(twice.size(), f.size());
}

TEST(Fusion, FusedIsNotWrittenInModels) {
  Env env;
  try {
    env.parse("model m\ninput x [N, 3]\nfused f\noutput f\n");
    FAIL() << "a `fused` layer in a model was accepted";
  } catch (const frontend::ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be written in a model"), std::string::npos)
        << e.what();
  }
}

TEST(Fusion, PrintersShowTheGroups) {
  Env env;
  ir::Graph g = env.parse(
      "model m\ninput x [N, 3, 8, 8]\nconv2d c1 filters=4 kernel=3 pad=1 act=relu\n"
      "maxpool p1 kernel=2 stride=2\nflatten fl\ndense d units=2\noutput d\n");
  ASSERT_EQ(fuse_ops(g, env.ops), 1u);

  std::string text = ir::print_model(g, env.ops);
  EXPECT_NE(text.find("fused p1  # conv2d c1 filters=4 kernel=3 pad=1 act=relu; maxpool p1 "
                      "kernel=2 stride=2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("flatten fl\n"), std::string::npos) << text;

  std::string dot = ir::print_dot(g);
  ir::NodeId fused = *g.find("p1"), x = *g.find("x"), fl = *g.find("fl");
  const ir::Graph& body = *g.node(fused).body;
  std::string conv = fmt::format("n{}_{}", fused, *body.find("c1"));
  std::string pool = fmt::format("n{}_{}", fused, *body.find("p1"));
  EXPECT_NE(dot.find(fmt::format("subgraph \"cluster_n{}\" {{\n    label=\"c1+p1\";", fused)),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find(conv + " [label=\"c1\\nconv2d\\n[N, 4, 8, 8]\\nweight [4, 3, 3, 3]"),
            std::string::npos)
      << dot;
  // Edges enter at the layer reading the input and leave from the group's output layer.
  EXPECT_NE(dot.find(fmt::format("n{} -> {} [label=\"[N, 3, 8, 8]\"", x, conv)), std::string::npos)
      << dot;
  EXPECT_NE(dot.find(fmt::format("{} -> {} [label=\"[N, 4, 8, 8]\"", conv, pool)),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find(fmt::format("{} -> n{} [label=\"[N, 4, 4, 4]\"", pool, fl)), std::string::npos)
      << dot;
  EXPECT_EQ(dot.find(fmt::format("n{} [label", fused)), std::string::npos) << dot;
  // With parameters drawn, they sit inside the cluster.
  std::string with_params = ir::print_dot(g, {.show_params = true});
  EXPECT_NE(with_params.find("c1.weight\\n[4, 3, 3, 3]"), std::string::npos) << with_params;
}

TEST(Fusion, InferenceFusedPipelineDumpsAfterFuse) {
  Registry& reg = global_registry();
  ir::Graph g = frontend::parse_model(
      "t.cnn", "model m\ninput x [N, 2]\ndense d units=3\nrelu r\noutput r\n", reg.ops);
  PassContext ctx{reg.ops};
  std::ostringstream dump;
  run_pipeline(reg.passes, "inference", g, ctx, {.print_after = {"fuse"}, .dump = &dump});
  EXPECT_NE(dump.str().find("*** IR Dump After fuse ***"), std::string::npos) << dump.str();
  EXPECT_NE(dump.str().find("r = fused(x) -> [N, 3]"), std::string::npos) << dump.str();
  EXPECT_EQ(group_names(g), (std::vector<std::string>{"d+r"}));
}

// The example models, at a smaller input size so the test stays fast: the
// shape assertions of the full-size model are dropped.
std::string shrunk_model(const std::string& name, const std::string& from, const std::string& to) {
  std::ifstream in(std::string(CNNC_SOURCE_DIR) + "/examples/models/" + name + ".cnn");
  std::stringstream text;
  text << in.rdbuf();
  std::string model = text.str();
  if (!from.empty()) model = std::regex_replace(model, std::regex(from), to);
  model = std::regex_replace(model, std::regex(R"([ \t]*:[ \t]*\[[^\]\n]*\][ \t]*(\n))"), "$1");
  fs::path dir = fs::path(CNNC_BINARY_DIR) / "fusion_test";
  fs::create_directories(dir);
  fs::path path = dir / (name + ".cnn");
  std::ofstream(path) << model;
  return path.string();
}

struct ModelCase {
  std::string name, from, to;
  size_t groups;
};

class FusionOfModels : public ::testing::TestWithParam<ModelCase> {};

TEST_P(FusionOfModels, FusedRunEqualsUnfusedRun) {
  const ModelCase& c = GetParam();
  std::string path = shrunk_model(c.name, c.from, c.to);
  Registry& reg = global_registry();
  ModelOptions options{.init = "he", .seed = 5, .pipeline = "inference-unfused"};
  ir::Graph plain = load_model(path, reg, options);
  // Fusion alone: `inference` also folds batchnorms away (batchnorm_folding_test.cpp).
  options.pipeline = "inference-unfused,fuse";
  ir::Graph fused = load_model(path, reg, options);

  EXPECT_EQ(group_names(fused).size(), c.groups);
  // Every tensor left keeps its name: the output is still `probs`.
  EXPECT_EQ(fused.node(fused.outputs().at(0).node).name, "probs");
  EXPECT_LT(fused.size(), plain.size());
  EXPECT_EQ(ir::verify(fused, reg.ops), std::vector<std::string>{});
  // Every op layer of the plain graph is either still there or in exactly one body.
  std::map<std::string, int> seen;
  for (ir::NodeId id = 0; id < fused.size(); ++id) {
    const ir::Node& n = fused.node(id);
    if (n.body) {
      for (ir::NodeId b = 0; b < n.body->size(); ++b)
        if (n.body->node(b).kind == ir::NodeKind::Op) ++seen[n.body->node(b).name];
    } else if (n.kind == ir::NodeKind::Op) {
      ++seen[n.name];
    }
  }
  size_t plain_ops = 0;
  for (ir::NodeId id = 0; id < plain.size(); ++id)
    if (plain.node(id).kind == ir::NodeKind::Op) {
      ++plain_ops;
      EXPECT_EQ(seen[plain.node(id).name], 1) << plain.node(id).name;
    }
  EXPECT_EQ(seen.size(), plain_ops);

  auto inputs = random_inputs(plain, 1, 21);
  auto* backend = reg.backends.find("reference");
  expect_identical(backend->compile(plain, {})->run(inputs),
                   backend->compile(fused, {})->run(inputs));
}

INSTANTIATE_TEST_SUITE_P(Examples, FusionOfModels,
                         ::testing::Values(
                             // conv1+pool, 2 per basic block, 3 per downsampling block (the last
                             // one takes the global pool), fc+softmax.
                             ModelCase{"resnet18", "224", "64", 1 + 2 * 2 + 3 * 3 + 2 * 3 + 1},
                             // c1+p1, c2+p2, f1, f2 (act= inside dense: one layer, not fused),
                             // logits+probs.
                             ModelCase{"lenet5", "", "", 3},
                             // conv+bn+relu 57 times; the first maxpools join their conv (pool1,
                             // pool2); branch maxpools read a shared tensor and stay alone.
                             ModelCase{"googlenet", "224", "64", 57 + 1},
                             ModelCase{"mobilenet_v2", "224", "64", 52 + 1}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace cnnc::passes::testing
