// An example plugin: the swish activation, x * sigmoid(beta * x)
// (Ramachandran et al., "Searching for Activation Functions", 2017), as an
// op with its reference kernel. Built as libswish.so; see README.md.
#include <cnnc/plugin.h>
#include <fmt/format.h>

#include <cmath>

#include "runtime/registry.h"

#ifdef SWISH_PRETEND_API_VERSION
#define SWISH_API_VERSION SWISH_PRETEND_API_VERSION  // to test that cnnc refuses it
#else
#define SWISH_API_VERSION CNNC_PLUGIN_API_VERSION
#endif

namespace {

using namespace cnnc;

ir::OpDef swish_def() {
  ir::OpDef def;
  def.name = "swish";
  def.summary = "swish activation x * sigmoid(beta * x), elementwise on any shape (plugin)";
  def.kind = ir::PatternKind::Elementwise;
  def.attrs = {{.name = "beta",
                .type = ir::AttrType::Float,
                .default_value = 1.0,
                .doc = "slope of the sigmoid gate; 1 gives SiLU",
                .check = [](const ir::AttrValue& v) -> std::optional<std::string> {
                  if (!std::isfinite(std::get<double>(v))) return "must be a finite number";
                  return std::nullopt;
                }}};
  def.min_inputs = def.max_inputs = 1;
  def.infer = [](const ir::OpContext& ctx) {
    if (ctx.num_data_inputs != 1)
      throw ir::OpError(fmt::format("swish takes one input, given {}", ctx.num_data_inputs));
    return std::vector<ir::Shape>{ctx.input(0)};
  };
  // One multiply per element (the gate's exp and divide are not MACs).
  def.macs = [](const ir::OpContext&, std::span<const ir::Shape> outputs) {
    return outputs[0].elements_per_item();
  };
  return def;
}

float sigmoid(float z) {
  // Either branch's exp is at most 1, so neither overflows.
  if (z >= 0) return 1.0f / (1.0f + std::exp(-z));
  float e = std::exp(z);
  return e / (1.0f + e);
}

void swish_kernel(const backends::reference::KernelArgs& args) {
  const auto beta = static_cast<float>(args.node.attrs.get_float("beta"));
  auto x = args.inputs[0]->data();
  auto y = args.outputs[0].data();
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * sigmoid(beta * x[i]);
}

void register_swish(void* registry_ptr) {
  auto& registry = *static_cast<Registry*>(registry_ptr);
  registry.ops.add(swish_def());
  registry.reference_kernels.add("swish", swish_kernel);
}

}  // namespace

extern "C" cnnc_plugin_info_t cnnc_plugin_info(void) {
  return {.api_version = SWISH_API_VERSION,
          .name = "swish",
          .version = "1.0",
          .register_plugin = register_swish};
}
