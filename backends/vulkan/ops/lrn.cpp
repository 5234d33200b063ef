// lrn and lrn_grad (local response normalization across channels and its
// gradient) on inputs of any rank from [N, C] up: one invocation per
// element, lrn.comp and lrn_grad.comp.
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/window3.h"

namespace cnnc::backends::vulkan {

namespace {

Lowering lrn(const char* shader, uint32_t bindings) {
  return [shader, bindings](const ir::Node& node, std::span<const ir::Shape> in,
                            const ir::Shape& out, const KernelChoice&) {
    const ir::Shape& x = in[0];
    const int64_t planes = x[0] * x[1];
    const auto f = [&](const char* name) {
      return float_word(static_cast<float>(node.attrs.get_float(name)));
    };
    return Dispatch{
        .shader = shader,
        .bindings = bindings,
        .push = {word(out.elements()), word(x[1]), word(planes == 0 ? 1 : x.elements() / planes),
                 word(node.attrs.get_int("size")), f("alpha"), f("beta"), f("k")},
        .invocations = out.elements()};
  };
}

}  // namespace

void register_lrn_vulkan(LoweringTable& table) {
  table.add("lrn", lrn("lrn", 2));
  table.add("lrn_grad", lrn("lrn_grad", 3));
}

}  // namespace cnnc::backends::vulkan
