// Conformance sweeps: independent one-layer cases are put side by side in
// a few graphs (each case with its own input and output), run through the
// reference and the backend under test, and compared output by output. One
// graph is one compile (one Halide pipeline, one Vulkan command buffer), so
// cases share it; a graph holds at most kCasesPerGraph cases because
// Halide's compile time grows faster than linearly with a pipeline's size.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <span>
#include <string>
#include <vector>

#include <functional>
#include <memory>

#include "backends/backend.h"
#include "tests/backends/test_util.h"

namespace cnnc::test_util {

using Ints = std::vector<int64_t>;
inline constexpr int64_t N = ir::kBatch;  // the batch dim in case shapes

// |tested - reference| <= kTolerance * max(1, |reference|) everywhere: float
// accumulation against the reference's double accumulators.
inline constexpr double kTolerance = 1e-4;
inline constexpr size_t kCasesPerGraph = 8;

// The backend under test, made from the harness's op registry.
using BackendMaker = std::function<std::unique_ptr<backends::Backend>(const ir::OpRegistry&)>;

class Sweep {
 public:
  // All cases run with batch size `batch`; parameters and inputs come from
  // `seed`; `tested` makes the backend compared with the reference.
  Sweep(std::string name, int64_t batch, uint32_t seed, BackendMaker tested)
      : name_(std::move(name)), batch_(batch), rng_(seed), tested_(std::move(tested)) {}

  // One layer of `op` with random parameters on one input per shape; a dim
  // written N is the batch (symbolic in the graph).
  void add(const std::string& op, std::vector<ir::Shape> shapes, const Attrs& given = {}) {
    size_t index = cases_.size();
    if (index % kCasesPerGraph == 0) {
      parts_.emplace_back();
      parts_.back().graph.name = fmt::format("{}_{}", name_, parts_.size());
    }
    ir::Graph& graph = parts_.back().graph;
    std::vector<ir::Tensor>& inputs = parts_.back().inputs;
    ir::AttrMap attrs = h_.attrs(op, given);
    std::vector<ir::Shape> in_shapes;
    std::vector<ir::NodeId> ins;
    for (size_t i = 0; i < shapes.size(); ++i) {
      ir::Node in{.kind = ir::NodeKind::Input, .name = fmt::format("x{}_{}", index, i)};
      in.outputs = {shapes[i]};
      in_shapes.push_back(shapes[i]);
      ins.push_back(graph.add_node(std::move(in)));
      inputs.push_back(test_util::random_tensor(shapes[i].with_batch(batch_), rng_));
    }
    std::string layer = fmt::format("l{}", index);
    std::vector<ir::ParamSpec> specs;
    if (h_.def(op).params) specs = h_.def(op).params(ir::OpContext{attrs, in_shapes, ins.size()});
    for (const auto& spec : specs) {
      ir::Node p{.kind = ir::NodeKind::Param, .name = layer + "." + spec.suffix};
      p.outputs = {spec.shape};
      p.param = spec;
      p.value = test_util::random_tensor(spec.shape, rng_);
      // Variances must be positive: map [-1, 1] to [0.5, 1.5].
      if (spec.suffix == "running_var")
        for (float& v : p.value->data()) v = 1.0f + 0.5f * v;
      in_shapes.push_back(spec.shape);
      ins.push_back(graph.add_node(std::move(p)));
    }
    ir::Node node{.kind = ir::NodeKind::Op, .name = layer, .op = op, .attrs = attrs};
    node.outputs = h_.def(op).infer(ir::OpContext{attrs, in_shapes, shapes.size()});
    ir::NodeId id = graph.add_node(std::move(node));
    for (size_t i = 0; i < ins.size(); ++i) graph.connect({ins[i], 0}, id, static_cast<int>(i));
    graph.add_output({id, 0});
    std::string shape_text;
    for (const auto& s : shapes) shape_text += " " + ir::to_string(s.with_batch(batch_));
    cases_.push_back({fmt::format("{} on{}", op, shape_text), attrs});
  }

  void add(const std::string& op, const ir::Shape& shape, const Attrs& given = {}) {
    add(op, std::vector<ir::Shape>{shape}, given);
  }

  size_t size() const { return cases_.size(); }

  // The last `count` inputs added (the last case's, in order), for cases
  // whose inputs must not be random (class labels).
  std::span<ir::Tensor> last_inputs(size_t count) {
    auto& inputs = parts_.back().inputs;
    return std::span<ir::Tensor>(inputs).last(count);
  }

  // Runs both backends and compares every case.
  void check(double tol = kTolerance) {
    auto tested = tested_(h_.ops());
    auto reference = backends::reference::make_reference_backend(h_.kernels());
    size_t first = 0;
    for (const auto& part : parts_) {
      auto want = reference->compile(part.graph, {})->run(part.inputs);
      auto got = tested->compile(part.graph, {})->run(part.inputs);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i)
        EXPECT_TRUE(test_util::tensors_near(got[i], want[i], tol, cases_[first + i].attrs))
            << "case " << first + i << ": " << cases_[first + i].what;
      first += got.size();
    }
  }

  std::mt19937& rng() { return rng_; }

 private:
  struct Case {
    std::string what;
    ir::AttrMap attrs;
  };
  struct Part {
    ir::Graph graph;
    std::vector<ir::Tensor> inputs;
  };
  test_util::Harness h_;
  std::string name_;
  int64_t batch_;
  std::mt19937 rng_;
  BackendMaker tested_;
  std::vector<Part> parts_;
  std::vector<Case> cases_;
};

}  // namespace cnnc::test_util
