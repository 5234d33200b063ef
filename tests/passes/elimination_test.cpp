// eliminate-dropout and eliminate-dead-nodes on small graphs.
#include <gtest/gtest.h>

#include "passes/dead_node_elimination.h"
#include "passes/dropout_elimination.h"
#include "tests/passes/pass_test_util.h"

namespace cnnc::passes::testing {
namespace {

using ir::kBatch;
using ir::Shape;

TEST(EliminateDropout, RewiresConsumersAndOutputs) {
  // x -> d1 -> r -> d2 -> d3 -> s(d3, r); outputs s and d3.
  GraphMaker m;
  auto x = m.input("x", Shape{kBatch, 4});
  auto d1 = m.op("d1", "dropout", {x});
  auto r = m.op("r", "relu", {d1});
  auto d2 = m.op("d2", "dropout", {r});
  auto d3 = m.op("d3", "dropout", {d2});
  auto s = m.op("s", "add", {d3, r});
  m.g.add_output({s, 0});
  m.g.add_output({d3, 0});
  EXPECT_EQ(m.g.size(), 6u);

  EXPECT_EQ(eliminate_dropout(m.g), 3u);
  EXPECT_EQ(m.g.size(), 3u);
  EXPECT_EQ(m.count_op("dropout"), 0u);
  ir::NodeId relu = m.id("r"), add = m.id("s");
  EXPECT_EQ(m.g.inputs_of(relu), (std::vector<ir::TensorRef>{{m.id("x"), 0}}));
  // The chain d2 -> d3 collapses onto r, for both add's operand and the graph output.
  EXPECT_EQ(m.g.inputs_of(add), (std::vector<ir::TensorRef>{{relu, 0}, {relu, 0}}));
  EXPECT_EQ(m.g.outputs(), (std::vector<ir::TensorRef>{{add, 0}, {relu, 0}}));
}

TEST(EliminateDropout, NoDropoutNoChange) {
  GraphMaker m;
  auto r = m.op("r", "relu", {m.input("x", Shape{kBatch, 4})});
  m.g.add_output({r, 0});
  EXPECT_EQ(eliminate_dropout(m.g), 0u);
  EXPECT_EQ(m.g.size(), 2u);
}

TEST(EliminateDeadNodes, RemovesUnreachableOpsAndParamsButKeepsInputs) {
  GraphMaker m;
  auto x = m.input("x", Shape{kBatch, 4});
  auto unused_input = m.input("mask", Shape{kBatch, 4});
  auto w = m.param("w", Shape{4});
  auto dead_w = m.param("dead.w", Shape{4});
  auto live = m.op("live", "mul", {x, w});
  auto dead = m.op("dead", "add", {live, dead_w});
  m.op("dead2", "relu", {dead});
  m.op("dead3", "relu", {unused_input});
  m.g.add_output({live, 0});
  EXPECT_EQ(m.g.size(), 8u);

  EXPECT_EQ(eliminate_dead_nodes(m.g), 4u);
  EXPECT_EQ(m.g.size(), 4u);
  for (const char* name : {"x", "mask", "w", "live"})
    EXPECT_TRUE(m.g.find(name).has_value()) << name;
  for (const char* name : {"dead", "dead2", "dead3", "dead.w"})
    EXPECT_FALSE(m.g.find(name).has_value()) << name;
  ir::NodeId l = m.id("live");
  EXPECT_EQ(m.g.inputs_of(l), (std::vector<ir::TensorRef>{{m.id("x"), 0}, {m.id("w"), 0}}));
  EXPECT_EQ(m.g.outputs(), (std::vector<ir::TensorRef>{{l, 0}}));
  (void)dead_w;
}

TEST(EliminateDeadNodes, LiveGraphUnchanged) {
  GraphMaker m;
  auto r = m.op("r", "relu", {m.input("x", Shape{kBatch, 4})});
  m.g.add_output({r, 0});
  EXPECT_EQ(eliminate_dead_nodes(m.g), 0u);
  EXPECT_EQ(m.g.size(), 2u);
}

}  // namespace
}  // namespace cnnc::passes::testing
