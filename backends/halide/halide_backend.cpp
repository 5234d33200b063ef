#include "backends/halide/halide_backend.h"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <stdexcept>

#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "passes/liveness.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

// Halide names may not contain '.', which separates its own internal names.
std::string halide_name(std::string_view kind, ir::NodeId id, std::string_view name) {
  std::string out = fmt::format("{}{}_", kind, id);
  for (char ch : name) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return out;
}

// One lowered and JIT-compiled pipeline for one batch size.
struct Compiled {
  hl::Pipeline pipeline;
  std::vector<hl::ImageParam> inputs;  // in the order of Graph::input_nodes()
};

class HalideExecutable final : public Executable {
 public:
  HalideExecutable(const ir::Graph& graph, const LoweringTable& lowerings, hl::Target target)
      : graph_(graph), order_(graph_.topological_order()), lowerings_(lowerings), target_(target) {
    for (auto id : order_) {
      const auto& node = graph_.node(id);
      if (node.kind == ir::NodeKind::Param && !node.value)
        throw std::runtime_error(
            fmt::format("parameter '{}' has no value: load weights or use --init", node.name));
      if (node.kind != ir::NodeKind::Op) continue;
      if (!lowerings_.has(node.op))
        throw std::runtime_error(fmt::format("{}: layer '{}': op '{}' has no Halide lowering",
                                             node.source.describe(), node.name, node.op));
      if (node.outputs.size() != 1)
        throw std::runtime_error(fmt::format(
            "{}: layer '{}': op '{}' has {} outputs; the Halide backend lowers single-output ops",
            node.source.describe(), node.name, node.op, node.outputs.size()));
    }
    // Building the Funcs is cheap next to the JIT: doing it now reports a
    // layer the lowerings reject at compile time rather than at the first run.
    lower(1);
  }

  std::vector<ir::Tensor> run(std::span<const ir::Tensor> inputs) override {
    const int64_t batch = check_run_inputs(graph_, inputs);
    auto it = compiled_.find(batch);
    if (it == compiled_.end()) {
      Compiled c = lower(batch);
      c.pipeline.compile_jit(target_);
      it = compiled_.emplace(batch, std::move(c)).first;
    }
    Compiled& c = it->second;
    for (size_t i = 0; i < inputs.size(); ++i)
      // Halide only reads its inputs; Buffer has no const-element constructor for ImageParam::set.
      c.inputs[i].set(
          hl::Buffer<float>(const_cast<float*>(inputs[i].raw()), halide_sizes(inputs[i].shape())));
    std::vector<ir::Tensor> results;
    std::vector<hl::Buffer<>> buffers;
    for (auto t : graph_.outputs()) results.emplace_back(graph_.shape_of(t).with_batch(batch));
    for (auto& r : results)
      buffers.emplace_back(hl::Buffer<float>(r.raw(), halide_sizes(r.shape())));
    hl::Realization realization(buffers);
    c.pipeline.realize(realization, target_);
    for (auto& p : c.inputs) p.reset();
    return results;
  }

  int64_t peak_activation_bytes(int64_t batch) const override {
    return passes::peak_activation_bytes(graph_, batch);
  }

 private:
  Compiled lower(int64_t batch) {
    Compiled c;
    std::map<ir::NodeId, hl::Func> funcs;
    auto input_nodes = graph_.input_nodes();
    for (auto id : order_) {
      ir::Node& node = graph_.node(id);
      const ir::Shape shape = node.outputs.at(0).with_batch(batch);
      // Inputs and parameters are inline wrappers, indexed in Halide's order directly.
      std::vector<hl::Var> vars = make_vars(shape.rank());
      std::vector<hl::Expr> at(vars.begin(), vars.end());
      hl::Func f(halide_name("n", id, node.name));
      switch (node.kind) {
        case ir::NodeKind::Input: {
          hl::ImageParam p(hl::Float(32), static_cast<int>(shape.rank()),
                           halide_name("in", id, node.name));
          f(vars) = p(at);
          c.inputs.push_back(p);
          break;
        }
        case ir::NodeKind::Param: {
          // Weights are captured at lowering time; the Buffer aliases graph_'s copy.
          hl::Buffer<float> b(node.value->raw(), halide_sizes(node.value->shape()));
          f(vars) = b(at);
          break;
        }
        case ir::NodeKind::Op:
          f = lower_op(id, batch, funcs);
          f.compute_root();
          break;
      }
      funcs.emplace(id, f);
    }
    std::vector<hl::Func> outputs;
    for (size_t i = 0; i < graph_.outputs().size(); ++i) {
      auto t = graph_.outputs()[i];
      auto vars = make_vars(graph_.shape_of(t).rank());
      // A fresh Func per output, so one tensor can be an output twice or feed other layers too.
      hl::Func out(fmt::format("output{}", i));
      define(out, vars, read(funcs.at(t.node), as_exprs(vars)));
      outputs.push_back(out);
    }
    if (c.inputs.size() != input_nodes.size())
      throw std::logic_error("Halide backend: input nodes out of order");
    c.pipeline = hl::Pipeline(outputs);
    return c;
  }

  hl::Func lower_op(ir::NodeId id, int64_t batch, const std::map<ir::NodeId, hl::Func>& funcs) {
    const ir::Node& node = graph_.node(id);
    LoweringContext ctx;
    ctx.output_shape = node.outputs.at(0).with_batch(batch);
    ctx.prefix = halide_name("n", id, node.name);
    std::vector<hl::Func> inputs;
    for (auto t : graph_.inputs_of(id)) {
      if (t.port != 0)
        throw std::runtime_error(
            fmt::format("layer '{}' reads output {} of '{}'; the Halide "
                        "backend lowers single-output ops",
                        node.name, t.port, graph_.node(t.node).name));
      inputs.push_back(funcs.at(t.node));
      ctx.input_shapes.push_back(graph_.shape_of(t).with_batch(batch));
    }
    try {
      return (*lowerings_.find(node.op))(node, inputs, ctx);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}: layer '{}': cannot lower op '{}' to Halide: {}",
                                           node.source.describe(), node.name, node.op, e.what()));
    }
  }

  ir::Graph graph_;
  std::vector<ir::NodeId> order_;
  const LoweringTable& lowerings_;
  hl::Target target_;
  std::map<int64_t, Compiled> compiled_;
};

class HalideBackend final : public Backend {
 public:
  HalideBackend() : target_(hl::get_jit_target_from_environment()) {
    register_builtin_lowerings(lowerings_);
  }
  std::string name() const override { return "halide"; }
  std::string description() const override {
    return "Halide 14 JIT for this CPU; correctness-first default schedules, not yet tuned or "
           "fused";
  }
  std::unique_ptr<Executable> compile(const ir::Graph& graph, const CompileOptions&) override {
    return std::make_unique<HalideExecutable>(graph, lowerings_, target_);
  }

 private:
  LoweringTable lowerings_;
  hl::Target target_;
};

}  // namespace

std::unique_ptr<Backend> make_halide_backend() {
  return std::make_unique<HalideBackend>();
}

std::vector<std::string> lowered_ops() {
  LoweringTable table;
  register_builtin_lowerings(table);
  return table.ops();
}

}  // namespace cnnc::backends::halide
