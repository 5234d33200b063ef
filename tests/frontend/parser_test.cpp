// The model language: parsing, naming, blocks and repeats, canonical form.
#include <gtest/gtest.h>

#include "frontend/diagnostics.h"
#include "frontend/model_loader.h"
#include "ir/text_printer.h"
#include "runtime/registry.h"

namespace cnnc::frontend {
namespace {

const ir::OpRegistry& ops() {
  return global_registry().ops;
}

ir::Graph parse(std::string_view text) {
  return parse_model("test.cnn", text, ops());
}

std::string errors_of(std::string_view text) {
  try {
    parse(text);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

constexpr std::string_view kLenet = R"(# LeNet-5
model lenet5
input image [N, 1, 28, 28]

conv2d  c1 filters=6  kernel=5 pad=2 act=relu
maxpool p1 kernel=2 stride=2
conv2d  c2 filters=16 kernel=5 act=relu
maxpool p2 kernel=2 stride=2
flatten
dense   f1 units=120 act=relu
dense   f2 units=84  act=relu
dense   logits units=10
softmax probs
output  probs
)";

TEST(Parser, LenetShapesAndParams) {
  ir::Graph g = parse(kLenet);
  EXPECT_EQ(g.name, "lenet5");
  auto c2 = g.find("c2");
  ASSERT_TRUE(c2);
  EXPECT_EQ(g.node(*c2).outputs.at(0), (ir::Shape{ir::kBatch, 16, 10, 10}));
  auto f1 = g.find("f1");
  ASSERT_TRUE(f1);
  EXPECT_EQ(g.node(*f1).outputs.at(0), (ir::Shape{ir::kBatch, 120}));
  ASSERT_TRUE(g.find("c1.weight"));
  EXPECT_EQ(g.node(*g.find("c1.weight")).outputs.at(0), (ir::Shape{6, 1, 5, 5}));
  EXPECT_EQ(g.node(*g.find("f1.weight")).outputs.at(0), (ir::Shape{120, 400}));
  int64_t params = 0;
  for (auto id : g.param_nodes()) params += g.node(id).outputs[0].elements_per_item();
  EXPECT_EQ(params, 61706);  // the classic LeNet-5 with a 10-way output
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.node(g.outputs()[0].node).name, "probs");
  // Unnamed layers get predictable names.
  EXPECT_TRUE(g.find("flatten_1"));
}

TEST(Parser, AttributeValueForms) {
  ir::Graph g = parse(R"(model m
input x [N, 3, 16, 16]
conv2d a filters=4 kernel=[3,5] stride=[1,2] pad=[1,2] dilation=1 bias=false act=leaky_relu act_alpha=0.1
conv2d b filters=4 kernel=3 pad=same from=x
conv2d c filters=4 kernel=3 pad=[0,0,1,1] from=x
output a, b c
)");
  const auto& a = g.node(*g.find("a"));
  EXPECT_EQ(a.attrs.get_ints("kernel"), (std::vector<int64_t>{3, 5}));
  EXPECT_FALSE(a.attrs.get_bool("bias"));
  EXPECT_DOUBLE_EQ(a.attrs.get_float("act_alpha"), 0.1);
  EXPECT_EQ(a.outputs.at(0), (ir::Shape{ir::kBatch, 4, 16, 8}));
  EXPECT_FALSE(g.find("a.bias"));
  EXPECT_EQ(g.node(*g.find("b")).outputs.at(0), (ir::Shape{ir::kBatch, 4, 16, 16}));
  EXPECT_EQ(g.node(*g.find("c")).outputs.at(0), (ir::Shape{ir::kBatch, 4, 15, 15}));
  EXPECT_EQ(g.outputs().size(), 3u);
}

constexpr std::string_view kResidual = R"(model tiny_resnet
block basic(width, stride=1) {
  conv2d conv_a filters=width kernel=3 stride=stride pad=1 bias=false
  batchnorm bn_a
  relu
  conv2d conv_b filters=width kernel=3 pad=1 bias=false
  batchnorm bn_b
  add sum from=bn_b,in
  relu out
}
input x [N, 8, 16, 16]
repeat 2 basic stage1 width=8
conv2d head filters=4 kernel=1
output head
)";

TEST(Parser, RepeatNamesInstancesPredictably) {
  ir::Graph g = parse(kResidual);
  for (const char* name :
       {"stage1.1.conv_a", "stage1.1.bn_a", "stage1.1.relu_1", "stage1.1.sum", "stage1.1.out",
        "stage1.2.conv_a", "stage1.2.out", "stage1.2.conv_b.weight", "stage1.1.bn_a.running_var"})
    EXPECT_TRUE(g.find(name)) << name;
  // The second instance reads the first one's output; its shortcut (`in`) too.
  auto sum2 = *g.find("stage1.2.sum");
  auto ins = g.inputs_of(sum2);
  ASSERT_EQ(ins.size(), 2u);
  EXPECT_EQ(g.node(ins[1].node).name, "stage1.1.out");
  EXPECT_EQ(g.node(g.inputs_of(*g.find("head"))[0].node).name, "stage1.2.out");
  // Source locations point into the block, with the instantiation site.
  const auto& conv = g.node(*g.find("stage1.2.conv_a"));
  EXPECT_EQ(conv.source.location.line, 3);
  ASSERT_EQ(conv.source.instantiated_from.size(), 1u);
  EXPECT_EQ(conv.source.instantiated_from[0].site.line, 12);
}

TEST(Parser, NestedBlocksAndRepeatCountFromParameter) {
  ir::Graph g = parse(R"(model dense
block layer(growth) {
  conv2d conv filters=growth kernel=3 pad=1
  concat cat from=in,conv
}
block dense_block(layers, growth) {
  repeat layers layer l growth=growth
}
input x [N, 4, 8, 8]
dense_block db1 layers=3 growth=2
output db1
)");
  const auto& last = g.node(*g.find("db1.l.3.cat"));
  EXPECT_EQ(last.outputs.at(0), (ir::Shape{ir::kBatch, 10, 8, 8}));
  EXPECT_EQ(g.node(g.outputs()[0].node).name, "db1.l.3.cat");
}

TEST(Parser, CanonicalFormRoundTrips) {
  for (auto text : {kLenet, kResidual}) {
    ir::Graph g = parse(text);
    std::string once = ir::print_model(g, ops());
    ir::Graph again = parse(once);
    std::string twice = ir::print_model(again, ops());
    EXPECT_EQ(once, twice);
    EXPECT_EQ(g.size(), again.size());
  }
  // A file already in canonical form prints as itself.
  std::string canonical = ir::print_model(parse(kLenet), ops());
  EXPECT_EQ(ir::print_model(parse(canonical), ops()), canonical);
  EXPECT_NE(canonical.find("conv2d c1 filters=6 kernel=5 pad=2 act=relu\n"), std::string::npos)
      << canonical;
}

TEST(Diagnostics, CaretUnderTheCulprit) {
  std::string report =
      errors_of("model m\ninput x [N, 1, 8, 8]\nconv2d c1 filters=4 kernal=3\noutput c1\n");
  EXPECT_NE(report.find("test.cnn:3:21: error: unknown attribute 'kernal' for op 'conv2d'"),
            std::string::npos)
      << report;
  EXPECT_NE(
      report.find("    3 | conv2d c1 filters=4 kernal=3\n      |                     ^~~~~~\n"),
      std::string::npos)
      << report;
  EXPECT_NE(report.find("did you mean 'kernel'?"), std::string::npos) << report;
}

TEST(Diagnostics, AllProblemsInOneRun) {
  std::string report = errors_of(
      "model m\ninput x [N, 1, 8, 8]\nconvv a\nrelu b foo=1\nmaxpool c kernel=2 sride=2\nfrob "
      "d\noutput d\n");
  for (const char* want : {"unknown op 'convv'", "unknown attribute 'foo'",
                           "unknown attribute 'sride'", "unknown op 'frob'", "4 errors found"})
    EXPECT_NE(report.find(want), std::string::npos) << want << "\n" << report;
}

TEST(Diagnostics, ErrorLimitKeepsTheFirstMessagesVisible) {
  std::string text = "model m\ninput x [N, 1, 8, 8]\n";
  for (int i = 0; i < 40; ++i) text += "frob" + std::to_string(i) + "\n";
  std::string report = errors_of(text + "output x\n");
  EXPECT_NE(report.find("unknown op 'frob0'"), std::string::npos);
  EXPECT_EQ(report.find("unknown op 'frob39'"), std::string::npos);
  EXPECT_NE(report.find("... 10 more errors not shown\n40 errors found\n"), std::string::npos)
      << report;
}

TEST(Diagnostics, NoCascadeAfterAFailedLayer) {
  std::string report = errors_of(
      "model m\ninput x [N, 1, 8, 8]\nconv2d a filters=4 kernel=30\nrelu b\nrelu c\noutput c\n");
  EXPECT_NE(report.find("1 error found"), std::string::npos) << report;
}

TEST(Diagnostics, LongLineExcerptIsBounded) {
  std::string text =
      "model m\ninput x [N, 1, 8, 8]\nrelu r foo=1 " + std::string(5000, 'a') + "=1\noutput r\n";
  std::string report = errors_of(text);
  EXPECT_NE(report.find("name is 5000 characters long; names are limited to 256"),
            std::string::npos)
      << report;
  EXPECT_LT(report.size(), 1200u) << report;
}

TEST(Lexer, RejectsOverlongLines) {
  std::string text = "model m\n# " + std::string(70000, 'x') + "\n";
  std::string report = errors_of(text);
  EXPECT_NE(report.find("characters long; lines are limited to"), std::string::npos)
      << report.substr(0, 300);
}

}  // namespace
}  // namespace cnnc::frontend
