// Gradient checking (runtime/gradcheck.h): correct rules pass on models with
// dense layers, convolutions, pooling, batchnorm and dropout; a registry in
// which one op's gradient rule is wrong makes exactly the parameters whose
// gradient flows through it fail; the report is a function of the seed.
#include "runtime/gradcheck.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "backends/reference/reference_backend.h"
#include "ir/gradient.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "tests/runtime/test_util.h"

namespace cnnc::training {
namespace {

ir::Graph load(const testing::TempDir& dir, const std::string& text, uint64_t seed = 3) {
  const std::string path = dir.file("model.cnn");
  std::ofstream(path) << text;
  ModelOptions options;
  options.init = "he";
  options.seed = seed;
  options.pipeline = "check";
  return load_model(path, global_registry(), options);
}

// Every built-in op, with `op`'s gradient rule replaced by `rule`.
std::unique_ptr<ir::OpRegistry> ops_with_rule(const std::string& op,
                                              decltype(ir::OpDef::gradient) rule) {
  auto ops = std::make_unique<ir::OpRegistry>();
  bool found = false;
  for (const std::string& name : global_registry().ops.names()) {
    ir::OpDef def = *global_registry().ops.find(name);
    if (name == op) def.gradient = rule, found = true;
    ops->add(std::move(def));
  }
  EXPECT_TRUE(found) << op;
  return ops;
}

GradcheckReport check(const ir::Graph& model, const ir::OpRegistry& ops,
                      GradcheckOptions options = {}) {
  auto backend =
      backends::reference::make_reference_backend(global_registry().reference_kernels, &ops);
  return check_gradients(model, ops, *backend, options);
}

std::map<std::string, bool> status_by_param(const GradcheckReport& r) {
  std::map<std::string, bool> ok;
  for (const auto& p : r.params) ok[p.name] = p.ok;
  return ok;
}

constexpr const char* kMlp = R"(model mlp
input x [N, 6]
dense d1 units=5
tanh t
dense d2 units=4 act=sigmoid
dense logits units=3
output logits
)";

TEST(Gradcheck, CorrectRulesPass) {
  testing::TempDir dir;
  const ir::Graph model = load(dir, kMlp);
  const GradcheckReport r = check(model, global_registry().ops);
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(r.params.size(), 6u);
  EXPECT_EQ(r.classes, 3);
  EXPECT_TRUE(std::isfinite(r.loss));
  for (const auto& p : r.params) {
    EXPECT_TRUE(p.ok) << p.name;
    // 20 samples, or every entry of a smaller parameter.
    const int64_t size = p.shape.elements();
    EXPECT_EQ(static_cast<int64_t>(p.entries.size()), std::min<int64_t>(size, 20)) << p.name;
    EXPECT_LE(p.max_error, 1e-2) << p.name;
    for (size_t i = 1; i < p.entries.size(); ++i)
      EXPECT_LT(p.entries[i - 1].index, p.entries[i].index) << p.name;
  }
}

// A tanh rule that forgets tanh's derivative: d1's gradients (before the
// tanh) are wrong, d2's and the logits' (after it) right.
TEST(Gradcheck, AWrongRuleFailsExactlyTheParametersBehindIt) {
  testing::TempDir dir;
  const ir::Graph model = load(dir, kMlp);
  auto ops = ops_with_rule("tanh", [](ir::GradientContext& ctx) {
    return std::vector<std::optional<ir::TensorRef>>{ctx.output_grad};
  });
  const GradcheckReport r = check(model, *ops);
  EXPECT_FALSE(r.ok());
  const std::map<std::string, bool> want{{"d1.weight", false},    {"d1.bias", false},
                                         {"d2.weight", true},     {"d2.bias", true},
                                         {"logits.weight", true}, {"logits.bias", true}};
  EXPECT_EQ(status_by_param(r), want);
  for (const auto& p : r.params) {
    if (p.ok) continue;
    ASSERT_GE(p.worst, 0);
    const EntryCheck& e = p.entries.at(static_cast<size_t>(p.worst));
    EXPECT_FALSE(e.ok);
    EXPECT_GT(e.error, 1e-2) << p.name;
    EXPECT_EQ(p.max_error, e.error);
  }
}

// A convolution rule whose weight gradient is twice the truth, in a net
// with max pooling (whose kinks the check must not mistake for it).
TEST(Gradcheck, ADoubledConvolutionWeightGradientFails) {
  testing::TempDir dir;
  const ir::Graph model = load(dir, R"(model convs
input image [N, 2, 8, 8]
conv2d c1 filters=3 kernel=3 pad=1 act=relu
maxpool p1 kernel=2 stride=2
conv2d c2 filters=4 kernel=3 act=tanh
flatten
dense logits units=3
output logits
)");
  EXPECT_TRUE(check(model, global_registry().ops).ok());
  const auto conv = global_registry().ops.find("conv2d")->gradient;
  auto ops = ops_with_rule("conv2d", [conv](ir::GradientContext& ctx) {
    auto grads = conv(ctx);
    if (grads.size() > 1 && grads[1]) grads[1] = ctx.add("add", "doubled", {*grads[1], *grads[1]});
    return grads;
  });
  const GradcheckReport r = check(model, *ops);
  const std::map<std::string, bool> want{{"c1.weight", false},    {"c1.bias", true},
                                         {"c2.weight", false},    {"c2.bias", true},
                                         {"logits.weight", true}, {"logits.bias", true}};
  EXPECT_EQ(status_by_param(r), want);
}

// Batchnorm normalizes with the batch's statistics and dropout keeps its
// mask (the step counter stays fixed) in every evaluation.
TEST(Gradcheck, BatchnormAndDropoutInTrainingForm) {
  testing::TempDir dir;
  const ir::Graph model = load(dir, R"(model bn
input image [N, 2, 6, 6]
conv2d c1 filters=4 kernel=3 pad=1 bias=false
batchnorm bn1
tanh
dropout dr rate=0.4
conv2d c2 filters=3 kernel=3 act=sigmoid
batchnorm bn2
global_avgpool
flatten
dense logits units=3
output logits
)");
  GradcheckOptions o;
  o.batch = 3;
  o.samples = 12;
  const GradcheckReport r = check(model, global_registry().ops, o);
  EXPECT_TRUE(r.ok());
  std::vector<std::string> names;
  for (const auto& p : r.params) {
    names.push_back(p.name);
    EXPECT_TRUE(p.ok) << p.name << " max error " << p.max_error;
  }
  // The running statistics are state, not checked.
  EXPECT_EQ(names,
            (std::vector<std::string>{"c1.weight", "bn1.weight", "bn1.bias", "c2.weight", "c2.bias",
                                      "bn2.weight", "bn2.bias", "logits.weight", "logits.bias"}));
}

TEST(Gradcheck, TheReportIsAFunctionOfTheSeed) {
  testing::TempDir dir;
  const ir::Graph model = load(dir, kMlp);
  GradcheckOptions o;
  o.samples = 3;
  auto indices = [&](uint64_t seed) {
    o.seed = seed;
    const GradcheckReport r = check(model, global_registry().ops, o);
    std::vector<std::pair<int64_t, double>> out;
    for (const auto& p : r.params)
      for (const auto& e : p.entries) out.emplace_back(e.index, e.analytic);
    return std::pair(r.loss, out);
  };
  EXPECT_EQ(indices(1), indices(1));
  EXPECT_NE(indices(1), indices(2));
}

TEST(Gradcheck, OptionsOutOfRangeAreRefused) {
  testing::TempDir dir;
  const ir::Graph model = load(dir, kMlp);
  for (auto bad :
       {+[](GradcheckOptions& o) { o.eps = 0; }, +[](GradcheckOptions& o) { o.batch = 0; },
        +[](GradcheckOptions& o) { o.samples = 0; },
        +[](GradcheckOptions& o) { o.tolerance = -1; }}) {
    GradcheckOptions o;
    bad(o);
    EXPECT_THROW(check(model, global_registry().ops, o), std::invalid_argument);
  }
}

}  // namespace
}  // namespace cnnc::training
