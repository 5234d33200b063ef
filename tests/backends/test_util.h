// Shared helpers for the op conformance tests: seeded random tensors, one
// layer graphs built by hand (Input node, Param nodes holding values, the Op
// node with outputs from OpDef::infer) run through the reference backend,
// and tensor comparison that prints the layer's attributes on failure.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "backends/reference/kernel_table.h"
#include "backends/reference/reference_backend.h"
#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::test_util {

using Attrs = std::map<std::string, ir::AttrValue>;

inline ir::Tensor random_tensor(const ir::Shape& shape, std::mt19937& rng, float lo = -1.0f,
                                float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  ir::Tensor t(shape);
  for (float& v : t.data()) v = dist(rng);
  return t;
}

inline int64_t random_int(std::mt19937& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

inline double dot(const ir::Tensor& a, const ir::Tensor& b) {
  double s = 0.0;
  for (int64_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

inline std::string describe(const ir::AttrMap& attrs) {
  std::string out;
  for (const auto& [k, v] : attrs.values())
    out += fmt::format(" {}={}", k, ir::format_attr_value(v));
  return out;
}

// |got - want| <= tol * max(1, |want|) everywhere; on failure names the shapes,
// every attribute and the first mismatches (as ncnn's tests print them).
inline ::testing::AssertionResult tensors_near(const ir::Tensor& got, const ir::Tensor& want,
                                               double tol, const ir::AttrMap& attrs = {}) {
  if (got.shape() != want.shape())
    return ::testing::AssertionFailure()
           << "shape " << ir::to_string(got.shape()) << " != expected "
           << ir::to_string(want.shape()) << "; attrs:" << describe(attrs);
  std::string bad;
  int mismatches = 0;
  for (int64_t i = 0; i < got.size(); ++i) {
    double g = got[i], w = want[i];
    if (std::isfinite(w) ? std::abs(g - w) <= tol * std::max(1.0, std::abs(w)) : g == w) continue;
    if (++mismatches <= 8) bad += fmt::format("\n  [{}] got {} expected {}", i, g, w);
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << mismatches << " of " << got.size() << " values differ (shape "
         << ir::to_string(got.shape()) << ", tol " << tol << "); attrs:" << describe(attrs) << bad;
}

// A fresh op registry and reference kernel table with every built-in.
class Harness {
 public:
  Harness() {
    ir::register_builtin_ops(ops_);
    backends::reference::register_builtin_kernels(kernels_);
  }

  const ir::OpRegistry& ops() const { return ops_; }

  const ir::OpDef& def(const std::string& op) const {
    const ir::OpDef* d = ops_.find(op);
    if (!d) throw std::invalid_argument("op '" + op + "' is not registered");
    return *d;
  }

  // `given` coerced through the op's specs (ir::coerce_attr, which throws
  // ir::AttrError), defaults filled in, as the frontend does.
  ir::AttrMap attrs(const std::string& op, const Attrs& given) const {
    const auto& d = def(op);
    for (const auto& [k, _] : given)
      if (!d.find_attr(k)) throw std::invalid_argument(op + " has no attribute " + k);
    ir::AttrMap out;
    for (const auto& spec : d.attrs) {
      auto it = given.find(spec.name);
      if (it != given.end())
        out.set(spec.name, ir::coerce_attr(spec, it->second));
      else if (spec.default_value)
        out.set(spec.name, *spec.default_value);
      else if (!spec.optional)
        throw ir::AttrError(op + ": attribute '" + spec.name + "' is required");
    }
    return out;
  }

  std::vector<ir::ParamSpec> params(const std::string& op, const ir::Shape& input,
                                    const Attrs& given) const {
    auto a = attrs(op, given);
    std::vector<ir::Shape> in{input};
    return def(op).params ? def(op).params(ir::OpContext{a, in, 1}) : std::vector<ir::ParamSpec>{};
  }

  // Output shapes through OpDef::infer, with the parameters as inputs.
  std::vector<ir::Shape> infer(const std::string& op, const ir::Shape& input,
                               const Attrs& given) const {
    auto a = attrs(op, given);
    std::vector<ir::Shape> in{input};
    for (const auto& p : params(op, input, given)) in.push_back(p.shape);
    return def(op).infer(ir::OpContext{a, in, 1});
  }

  // Multiply-accumulates per batch item (dim 0 of `input` is made symbolic).
  int64_t macs(const std::string& op, ir::Shape input, const Attrs& given) const {
    input[0] = ir::kBatch;
    auto a = attrs(op, given);
    auto outs = infer(op, input, given);
    std::vector<ir::Shape> in{input};
    return def(op).macs(ir::OpContext{a, in, 1}, outs);
  }

  // Trainable and state elements of one layer.
  int64_t param_count(const std::string& op, const ir::Shape& input, const Attrs& given,
                      ir::ParamRole role = ir::ParamRole::Trainable) const {
    int64_t n = 0;
    for (const auto& p : params(op, input, given))
      if (p.role == role) n += p.shape.elements();
    return n;
  }

  // Random values for every parameter of the layer, in ParamSpec order.
  std::vector<ir::Tensor> random_params(const std::string& op, const ir::Shape& input,
                                        const Attrs& given, std::mt19937& rng) const {
    std::vector<ir::Tensor> out;
    for (const auto& p : params(op, input, given)) out.push_back(random_tensor(p.shape, rng));
    return out;
  }

  // Input `x` -> op -> output, with the batch dimension symbolic in the graph.
  ir::Graph layer(const std::string& op, const ir::Shape& input, const Attrs& given,
                  std::vector<ir::Tensor> param_values) const {
    ir::Graph g;
    g.name = "one_" + op;
    ir::Shape symbolic = input;
    symbolic[0] = ir::kBatch;
    ir::Node in{.kind = ir::NodeKind::Input, .name = "x"};
    in.outputs = {symbolic};
    ir::NodeId x = g.add_node(std::move(in));

    auto specs = params(op, symbolic, given);
    if (specs.size() != param_values.size())
      throw std::invalid_argument(
          fmt::format("{} owns {} parameters, given {}", op, specs.size(), param_values.size()));
    std::vector<ir::Shape> shapes{symbolic};
    std::vector<ir::NodeId> param_ids;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (param_values[i].shape() != specs[i].shape)
        throw std::invalid_argument(fmt::format("{}.{} expects {}, given {}", op, specs[i].suffix,
                                                ir::to_string(specs[i].shape),
                                                ir::to_string(param_values[i].shape())));
      ir::Node p{.kind = ir::NodeKind::Param, .name = "layer." + specs[i].suffix};
      p.outputs = {specs[i].shape};
      p.param = specs[i];
      p.value = std::move(param_values[i]);
      shapes.push_back(specs[i].shape);
      param_ids.push_back(g.add_node(std::move(p)));
    }
    ir::Node node{.kind = ir::NodeKind::Op, .name = "layer", .op = op, .attrs = attrs(op, given)};
    node.outputs = def(op).infer(ir::OpContext{node.attrs, shapes, 1});
    ir::NodeId id = g.add_node(std::move(node));
    g.connect({x, 0}, id, 0);
    for (size_t i = 0; i < param_ids.size(); ++i)
      g.connect({param_ids[i], 0}, id, static_cast<int>(i + 1));
    g.add_output({id, 0});
    return g;
  }

  // Runs the layer on `x` through make_reference_backend(...)->compile->run.
  ir::Tensor run(const std::string& op, const ir::Tensor& x, const Attrs& given,
                 std::vector<ir::Tensor> param_values = {}) const {
    auto g = layer(op, x.shape(), given, std::move(param_values));
    auto exe = backends::reference::make_reference_backend(kernels_)->compile(g, {});
    std::vector<ir::Tensor> inputs{x};
    return exe->run(inputs).at(0);
  }

  const backends::reference::KernelTable& kernels() const { return kernels_; }

 private:
  ir::OpRegistry ops_;
  backends::reference::KernelTable kernels_;
};

}  // namespace cnnc::test_util
