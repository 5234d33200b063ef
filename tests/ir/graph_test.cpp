// ir::Graph, attributes, the verifier and the printers on hand-built graphs.
#include <gtest/gtest.h>

#include "ir/dot_printer.h"
#include "ir/graph.h"
#include "ir/text_printer.h"
#include "ir/verifier.h"
#include "runtime/registry.h"

namespace cnnc::ir {
namespace {

const OpRegistry& ops() { return global_registry().ops; }

// x -> relu r1 -> relu r2 -> add s(r1, r2); output s
Graph diamond() {
  Graph g;
  g.name = "diamond";
  auto x = g.add_node({.kind = NodeKind::Input, .name = "x", .outputs = {Shape{kBatch, 2, 4, 4}}});
  auto r1 = g.add_node({.name = "r1", .op = "relu", .outputs = {Shape{kBatch, 2, 4, 4}}});
  auto r2 = g.add_node({.name = "r2", .op = "relu", .outputs = {Shape{kBatch, 2, 4, 4}}});
  auto s = g.add_node({.name = "s", .op = "add", .outputs = {Shape{kBatch, 2, 4, 4}}});
  g.connect({x, 0}, r1, 0);
  g.connect({r1, 0}, r2, 0);
  g.connect({r1, 0}, s, 0);
  g.connect({r2, 0}, s, 1);
  g.add_output({s, 0});
  return g;
}

TEST(Graph, InputsAreOrderedByPort) {
  Graph g;
  auto a = g.add_node({.kind = NodeKind::Input, .name = "a"});
  auto b = g.add_node({.kind = NodeKind::Input, .name = "b"});
  auto s = g.add_node({.name = "s", .op = "add"});
  g.connect({b, 0}, s, 1);
  g.connect({a, 0}, s, 0);
  auto in = g.inputs_of(s);
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].node, a);
  EXPECT_EQ(in[1].node, b);
}

TEST(Graph, TopologicalOrderAndCycles) {
  Graph g = diamond();
  auto order = g.topological_order();
  ASSERT_EQ(order.size(), 4u);
  auto pos = [&](const char* n) { return std::find(order.begin(), order.end(), *g.find(n)) - order.begin(); };
  EXPECT_LT(pos("x"), pos("r1"));
  EXPECT_LT(pos("r1"), pos("r2"));
  EXPECT_LT(pos("r2"), pos("s"));
  g.connect({*g.find("s"), 0}, *g.find("r1"), 1);
  EXPECT_THROW(g.topological_order(), std::runtime_error);
}

TEST(Graph, ReplaceUsesAndRemoveNodes) {
  Graph g = diamond();
  auto r1 = *g.find("r1"), r2 = *g.find("r2");
  g.replace_uses({r2, 0}, {r1, 0});
  EXPECT_TRUE(g.consumers_of(r2).empty());
  auto remap = g.remove_nodes({r2});
  EXPECT_FALSE(remap[r2].has_value());
  EXPECT_EQ(g.size(), 3u);
  auto s = *g.find("s");
  auto in = g.inputs_of(s);
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(g.node(in[1].node).name, "r1");
  EXPECT_EQ(g.node(g.outputs()[0].node).name, "s");
  EXPECT_THROW(g.remove_nodes({s}), std::logic_error);
}

TEST(Verifier, SoundGraphHasNoProblems) { EXPECT_TRUE(verify(diamond(), ops()).empty()); }

TEST(Verifier, FindsEachKindOfProblem) {
  auto has = [](const std::vector<std::string>& problems, std::string_view what) {
    for (const auto& p : problems)
      if (p.find(what) != std::string::npos) return true;
    return false;
  };
  {
    Graph g = diamond();
    g.node(*g.find("r2")).name = "r1";
    EXPECT_TRUE(has(verify(g, ops()), "name 'r1' is used by nodes"));
  }
  {
    Graph g = diamond();
    g.node(*g.find("r2")).op = "frobnicate";
    EXPECT_TRUE(has(verify(g, ops()), "unknown op 'frobnicate'"));
  }
  {
    Graph g = diamond();
    g.node(*g.find("s")).outputs = {Shape{kBatch, 3, 4, 4}};
    EXPECT_TRUE(has(verify(g, ops()), "records shape [N, 3, 4, 4] but its inputs give [N, 2, 4, 4]"));
  }
  {
    Graph g = diamond();
    g.connect({*g.find("x"), 0}, *g.find("s"), 1);
    EXPECT_TRUE(has(verify(g, ops()), "input 1 of layer 's' is fed twice"));
  }
  {
    Graph g = diamond();
    g.set_outputs({});
    EXPECT_TRUE(has(verify(g, ops()), "graph has no outputs"));
  }
  {
    Graph g = diamond();
    g.connect({*g.find("s"), 0}, *g.find("r1"), 1);
    EXPECT_TRUE(has(verify(g, ops()), "cycle"));
  }
}

TEST(Attributes, CoercionAndErrors) {
  AttrSpec ints{.name = "kernel", .type = AttrType::Ints};
  EXPECT_EQ(coerce_attr(ints, AttrValue{int64_t{3}}), AttrValue{int64_t{3}});
  EXPECT_THROW(coerce_attr(ints, AttrValue{std::string("big")}), AttrError);
  AttrSpec f{.name = "eps", .type = AttrType::Float};
  EXPECT_EQ(coerce_attr(f, AttrValue{int64_t{1}}), AttrValue{1.0});
  AttrSpec b{.name = "bias", .type = AttrType::Bool};
  EXPECT_EQ(coerce_attr(b, AttrValue{std::string("false")}), AttrValue{false});
  EXPECT_THROW(coerce_attr(b, AttrValue{std::string("maybe")}), AttrError);
  AttrSpec pad{.name = "pad", .type = AttrType::IntsOrIdent, .choices = {"same", "valid"}};
  EXPECT_EQ(coerce_attr(pad, AttrValue{std::string("same")}), AttrValue{std::string("same")});
  try {
    coerce_attr(pad, AttrValue{std::string("full")});
    FAIL();
  } catch (const AttrError& e) {
    EXPECT_STREQ(e.what(), "attribute 'pad' does not accept 'full'; expected one of: same, valid");
  }
  AttrMap m;
  m.set("kernel", int64_t{3});
  EXPECT_EQ(m.get_ints("kernel", 3), (std::vector<int64_t>{3, 3, 3}));
  m.set("kernel", std::vector<int64_t>{3, 5});
  EXPECT_THROW(m.get_ints("kernel", 3), AttrError);
  EXPECT_EQ(format_attr_value(AttrValue{std::vector<double>{0.5, 2.0}}), "[0.5,2.0]");
}

TEST(Registry, DidYouMean) {
  auto s = ops().suggest("maxpol");
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0], "maxpool");
  EXPECT_TRUE(ops().suggest("zzzzzzzzzz").empty());
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Printers, TextAndDot) {
  Graph g = diamond();
  EXPECT_EQ(print_model(g, ops()),
            "model diamond\ninput x [N, 2, 4, 4]\nrelu r1\nrelu r2\nadd s from=r1,r2\noutput s\n");
  std::string dot = print_dot(g);
  EXPECT_EQ(dot.rfind("digraph \"diamond\" {", 0), 0u);
  EXPECT_NE(dot.find("n1 -> n2 [label=\"[N, 2, 4, 4]\""), std::string::npos) << dot;
  g.node(*g.find("r1")).attrs.set("group", std::string("fused_1"));
  g.node(*g.find("r2")).attrs.set("group", std::string("fused_1"));
  dot = print_dot(g);
  EXPECT_NE(dot.find("subgraph \"cluster_fused_1\""), std::string::npos) << dot;
}

TEST(Shape, SymbolicBatch) {
  Shape s{kBatch, 3, 4};
  EXPECT_TRUE(s.has_symbolic_batch());
  EXPECT_EQ(s.elements_per_item(), 12);
  EXPECT_EQ(s.elements(5), 60);
  EXPECT_EQ(s.with_batch(2), (Shape{2, 3, 4}));
  EXPECT_EQ(to_string(s), "[N, 3, 4]");
  EXPECT_THROW(Tensor(Shape{kBatch, 2}), std::invalid_argument);
  EXPECT_THROW(Tensor(Shape{2, 2}, {1.0f}), std::invalid_argument);
}

}  // namespace
}  // namespace cnnc::ir
