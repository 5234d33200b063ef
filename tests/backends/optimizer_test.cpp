// The optimizer update ops against PyTorch 1.13's torch.optim (SGD with
// momentum, Nesterov and weight decay, Adam with L2, AdamW): two steps on
// the same parameters and gradients as the Python below, in double there,
// must agree to float precision here. The second step's inputs go in
// through Executable::set_param, as the trainer feeds them.
//
//   p = [0.5, -1.0, 2.0]; grads [0.1, -0.2, 0.3] then [-0.4, 0.5, 0.6]
//   torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01) ...
#include <gtest/gtest.h>

#include <map>

#include "runtime/registry.h"

namespace cnnc {
namespace {

ir::TensorRef param(ir::Graph& g, const std::string& name, std::vector<float> values) {
  ir::Node n{.kind = ir::NodeKind::Param, .name = name};
  const ir::Shape shape{static_cast<int64_t>(values.size())};
  n.param = {.suffix = name, .shape = shape, .role = ir::ParamRole::State};
  n.outputs = {shape};
  n.value = ir::Tensor(shape, std::move(values));
  return {g.add_node(std::move(n)), 0};
}

ir::TensorRef op(ir::Graph& g, const std::string& name, const std::string& op_name,
                 std::vector<ir::TensorRef> args, ir::AttrMap attrs) {
  const ir::OpDef* def = global_registry().ops.find(op_name);
  for (const auto& spec : def->attrs)
    if (!attrs.has(spec.name) && spec.default_value) attrs.set(spec.name, *spec.default_value);
  std::vector<ir::Shape> shapes;
  for (auto a : args) shapes.push_back(g.shape_of(a));
  ir::Node n{.kind = ir::NodeKind::Op, .name = name, .op = op_name, .attrs = attrs};
  n.outputs = def->infer(ir::OpContext{n.attrs, shapes, shapes.size()});
  const ir::NodeId id = g.add_node(std::move(n));
  for (size_t i = 0; i < args.size(); ++i) g.connect(args[i], id, static_cast<int>(i));
  return {id, 0};
}

// Two steps of the optimizer; returns the parameter after them.
std::vector<float> two_steps(const std::string& kind, const ir::AttrMap& state_attrs,
                             const ir::AttrMap& second_state_attrs, const ir::AttrMap& step_attrs) {
  const std::vector<float> grads[2] = {{0.1f, -0.2f, 0.3f}, {-0.4f, 0.5f, 0.6f}};
  ir::Graph g;
  g.name = "optimizer";
  const auto p = param(g, "p", {0.5f, -1.0f, 2.0f});
  const auto grad = param(g, "g", grads[0]);
  const auto lr = param(g, "lr", {0.1f});
  const auto t = param(g, "t", {1.0f});
  std::map<std::string, size_t> state_output;  // state param -> output
  std::vector<ir::TensorRef> outs;
  if (kind == "sgd") {
    const auto v = op(g, "v1", "sgd_velocity", {param(g, "v", {0, 0, 0}), grad, p}, state_attrs);
    outs = {op(g, "p1", "sgd_step", {p, grad, v, lr}, step_attrs), v};
    state_output["v"] = 1;
  } else {
    const auto m = op(g, "m1", "adam_moment", {param(g, "m", {0, 0, 0}), grad, p}, state_attrs);
    const auto v =
        op(g, "v1", "adam_moment", {param(g, "v", {0, 0, 0}), grad, p}, second_state_attrs);
    outs = {op(g, "p1", "adam_step", {p, m, v, lr, t}, step_attrs), m, v};
    state_output["m"] = 1;
    state_output["v"] = 2;
  }
  g.set_outputs(outs);
  auto exe = global_registry().backends.find("reference")->compile(g, {});
  auto out = exe->run({});
  exe->set_param("p", out[0].data());
  for (const auto& [name, index] : state_output) exe->set_param(name, out[index].data());
  exe->set_param("g", grads[1]);
  const float two = 2.0f;
  exe->set_param("t", {&two, 1});
  out = exe->run({});
  return {out[0].data().begin(), out[0].data().end()};
}

void expect_near(const std::vector<float>& got, const std::vector<double>& torch) {
  ASSERT_EQ(got.size(), torch.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], torch[i], 2e-6) << i;
}

ir::AttrMap attrs(std::initializer_list<std::pair<const char*, ir::AttrValue>> list) {
  ir::AttrMap a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}

TEST(Optimizer, SgdMatchesPyTorch) {
  expect_near(two_steps("sgd", attrs({{"momentum", 0.0}}), {}, attrs({{"momentum", 0.0}})),
              {0.53, -1.03, 1.91});
  const auto momentum = attrs({{"momentum", 0.9}, {"weight_decay", 0.01}});
  expect_near(two_steps("sgd", momentum, {}, momentum), {0.5195605, -1.009121, 1.877232});
  auto nesterov = momentum;
  nesterov.set("nesterov", true);
  expect_near(two_steps("sgd", momentum, {}, nesterov), {0.546632905, -1.03626581, 1.79559552});
}

TEST(Optimizer, AdamAndAdamWMatchPyTorch) {
  const auto adam_m = attrs({{"beta", 0.9}, {"power", int64_t{1}}, {"weight_decay", 0.01}});
  const auto adam_v = attrs({{"beta", 0.999}, {"power", int64_t{2}}, {"weight_decay", 0.01}});
  expect_near(two_steps("adam", adam_m, adam_v, {}),
              {0.454765292068, -0.942085555588, 1.803131190853});
  const auto w_m = attrs({{"beta", 0.9}, {"power", int64_t{1}}});
  const auto w_v = attrs({{"beta", 0.999}, {"power", int64_t{2}}});
  expect_near(two_steps("adam", w_m, w_v, attrs({{"decoupled_weight_decay", 0.01}})),
              {0.455050857475, -0.942322530212, 1.799583802782});
}

TEST(Optimizer, SetParamRejectsUnknownNamesAndWrongSizes) {
  ir::Graph g;
  g.name = "tiny";
  const auto p = param(g, "p", {1, 2, 3});
  g.set_outputs({op(g, "twice", "add", {p, p}, {})});
  auto exe = global_registry().backends.find("reference")->compile(g, {});
  const std::vector<float> two{1, 2};
  EXPECT_THROW(exe->set_param("q", two), std::invalid_argument);
  EXPECT_THROW(exe->set_param("p", two), std::invalid_argument);
  const std::vector<float> three{4, 5, 6};
  exe->set_param("p", three);
  EXPECT_EQ(exe->run({})[0][2], 12.0f);
}

}  // namespace
}  // namespace cnnc
