#include "backends/halide/kernel_builder.h"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <stdexcept>

#include "backends/halide/nchw.h"
#include "backends/halide/schedule_heuristics.h"
#include "backends/halide/schedule_templates.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

std::string halide_name(std::string_view kind, size_t id, std::string_view name) {
  std::string out = fmt::format("{}{}_", kind, id);
  for (char ch : name) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return out;
}

// Dense row-major strides and exact bounds, in Halide's dim order, so the
// generated code knows every extent and stride.
template <typename Dims>
void constrain(Dims dim_of, const std::vector<int>& sizes) {
  int stride = 1;
  for (size_t d = 0; d < sizes.size(); ++d) {
    dim_of(static_cast<int>(d)).set_bounds(0, sizes[d]).set_stride(stride);
    stride *= sizes[d];
  }
}

// An IR-order view of an argument: packed weights are read at
// (k / b, rest..., k % b), channel-blocked activations at (n, c / b, h, w, c % b).
hl::Func argument_view(const hl::ImageParam& p, const KernelArgument& arg, std::string_view name) {
  hl::Func view{std::string(name)};
  auto v = make_vars(arg.flat ? flatten_spatial(arg.shape).rank() : arg.shape.rank());
  if (arg.layout_block) {
    const int b = arg.layout_block;
    define(view, v, read(p, {v[0], v[1] / b, v[2], v[3], v[1] % b}));
    return view;
  }
  if (!arg.block) {
    define(view, v, read(p, as_exprs(v)));
    return view;
  }
  std::vector<hl::Expr> at{v[0] / arg.block};
  for (size_t d = 1; d < v.size(); ++d) at.push_back(v[d]);
  at.push_back(v[0] % arg.block);
  define(view, v, read(p, at));
  return view;
}

class Builder {
 public:
  Builder(const ir::Graph& graph, const KernelDesc& kernel, const LoweringTable& lowerings)
      : graph_(graph), kernel_(kernel), lowerings_(lowerings) {}

  BuiltKernel build(const hl::Target& target) {
    traits_ = target_traits(target.to_string());
    BuiltKernel built;
    std::vector<hl::Func> args;
    std::vector<hl::ImageParam> params;
    for (size_t i = 0; i < kernel_.arguments.size(); ++i) {
      const KernelArgument& arg = kernel_.arguments[i];
      const ir::Shape shape = arg.passed_shape();
      hl::ImageParam p(hl::Float(32), static_cast<int>(shape.rank()),
                       halide_name("arg", i, arg.name));
      const auto sizes = halide_sizes(shape);
      constrain([&](int d) { return p.dim(d); }, sizes);
      built.arguments.push_back(p);
      params.push_back(p);
      args.push_back(argument_view(p, arg, halide_name("view", i, arg.name)));
    }

    KernelFuncs funcs;
    funcs.arguments = args;
    hl::Func result;
    if (kernel_.role == KernelDesc::Role::Reorder) {
      result = args.at(0);
    } else if (const ir::Node& node = graph_.node(kernel_.node); node.body) {
      result = lower_body(*node.body, args, funcs);
    } else {
      LoweringContext ctx = context(node, kernel_.node);
      for (const auto& arg : kernel_.arguments) ctx.input_shapes.push_back(shape(arg.shape));
      result = lower(kernel_.flat_output ? flat_node(node) : node, args, ctx);
      funcs.anchor = ctx.anchor;
    }
    // A fresh output Func, so a lowering may return any stage it likes.
    const ir::Shape output_shape = kernel_.passed_output_shape();
    auto v = make_vars(output_shape.rank());
    funcs.output = hl::Func(halide_name("out", kernel_.node, kernel_.name));
    if (const int b = kernel_.output_block)
      define(funcs.output, v, read(result, {v[0], v[1] * b + v[4], v[2], v[3]}));
    else
      define(funcs.output, v, read(result, as_exprs(v)));
    constrain([&](int d) { return funcs.output.output_buffer().dim(d); },
              halide_sizes(output_shape));

    if (kernel_.schedule.kind == ScheduleTemplate::Auto) {
      for (size_t i = 0; i < built.arguments.size(); ++i) {
        hl::Region region;
        for (int size : halide_sizes(kernel_.arguments[i].passed_shape()))
          region.push_back({0, size});
        params[i].set_estimates(region);
      }
      hl::Region out_region;
      for (int size : halide_sizes(output_shape)) out_region.push_back({0, size});
      funcs.output.set_estimates(out_region);
      built.pipeline = hl::Pipeline(funcs.output);
      built.pipeline.auto_schedule(kernel_.schedule.autoscheduler, target,
                                   hl::MachineParams(2, 16 * 1024 * 1024, 40));
      return built;
    }
    apply_schedule(kernel_, funcs, 2);
    built.pipeline = hl::Pipeline(funcs.output);
    return built;
  }

 private:
  // The shape a lowering sees: (N, C, H*W) for the 4-D tensors of a
  // ConvPointwise kernel, else the IR's.
  ir::Shape shape(const ir::Shape& s) const { return kernel_.flat_output ? flatten_spatial(s) : s; }

  // A 1x1 convolution restated for (N, C, H*W) inputs: one spatial axis.
  static ir::Node flat_node(const ir::Node& node) {
    if (node.op != "conv2d") return node;
    ir::Node flat = node;
    for (const char* one : {"kernel", "stride", "dilation"}) flat.attrs.set(one, int64_t{1});
    flat.attrs.set("pad", int64_t{0});
    return flat;
  }

  LoweringContext context(const ir::Node& node, ir::NodeId id) const {
    LoweringContext ctx;
    ctx.output_shape = shape(node.outputs.at(0).with_batch(kernel_.batch));
    ctx.prefix = halide_name("n", id, node.name);
    ctx.vector_width = traits_.vector_width;
    ctx.registers = traits_.registers;
    return ctx;
  }

  hl::Func lower(const ir::Node& node, std::span<const hl::Func> inputs, LoweringContext& ctx) {
    const Lowering* lowering = lowerings_.find(node.op);
    if (!lowering)
      throw std::runtime_error(fmt::format("{}: layer '{}': op '{}' has no Halide lowering",
                                           node.source.describe(), node.name, node.op));
    try {
      return (*lowering)(node, inputs, ctx);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}: layer '{}': cannot lower op '{}' to Halide: {}",
                                           node.source.describe(), node.name, node.op, e.what()));
    }
  }

  // Lowers a fused body member by member. Element-wise members stay inline
  // (Halide's default); other reductions are materialized unless they are
  // the anchor or the final pooling, which the template places.
  hl::Func lower_body(const ir::Graph& body, const std::vector<hl::Func>& args,
                      KernelFuncs& funcs) {
    std::map<ir::NodeId, hl::Func> at;
    auto body_inputs = body.input_nodes();
    size_t next_weight = body_inputs.size();
    for (size_t i = 0; i < body_inputs.size(); ++i) at[body_inputs[i]] = args.at(i);
    hl::Func last;
    for (auto id : body.topological_order()) {
      const ir::Node& m = body.node(id);
      if (m.kind == ir::NodeKind::Param) at[id] = args.at(next_weight++);
      if (m.kind != ir::NodeKind::Op) continue;
      LoweringContext ctx = context(m, id);
      std::vector<hl::Func> inputs;
      for (auto t : body.inputs_of(id)) {
        inputs.push_back(at.at(t.node));
        ctx.input_shapes.push_back(shape(body.shape_of(t).with_batch(kernel_.batch)));
      }
      hl::Func f = lower(kernel_.flat_output ? flat_node(m) : m, inputs, ctx);
      if (ctx.anchor && !funcs.anchor) {
        funcs.anchor = ctx.anchor;
      } else if (ctx.anchor) {
        funcs.roots.push_back(ctx.anchor->accumulator);
      }
      if (kernel_.anchor.pooled && id == kernel_.anchor.reduction) funcs.before_pool = inputs.at(0);
      at[id] = f;
      last = f;
    }
    if (!body.outputs().empty()) last = at.at(body.outputs()[0].node);
    return last;
  }

  TargetTraits traits_;
  const ir::Graph& graph_;
  const KernelDesc& kernel_;
  const LoweringTable& lowerings_;
};

}  // namespace

BuiltKernel build_kernel(const ir::Graph& graph, const KernelDesc& kernel,
                         const LoweringTable& lowerings, const hl::Target& target) {
  return Builder(graph, kernel, lowerings).build(target);
}

}  // namespace cnnc::backends::halide
