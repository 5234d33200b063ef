// The SGD and Adam updates (ir/ops/optimizer.cpp), elementwise; the
// hyperparameters that are attributes go in as push constants, the
// learning rate and step count are read from their [1] tensors.
#include <cmath>
#include <limits>

#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/push_words.h"

namespace cnnc::backends::vulkan {

namespace {

uint32_t float_attr(const ir::Node& node, const char* name) {
  return float_word(static_cast<float>(node.attrs.get_float(name)));
}

Dispatch sgd_velocity(const ir::Node& node, std::span<const ir::Shape>, const ir::Shape& out,
                      const KernelChoice&) {
  return {.shader = "sgd_velocity",
          .bindings = 4,
          .push = {word(out.elements(), "elements"), float_attr(node, "momentum"),
                   float_attr(node, "weight_decay")},
          .invocations = grid_invocations(out.elements())};
}

Dispatch sgd_step(const ir::Node& node, std::span<const ir::Shape>, const ir::Shape& out,
                  const KernelChoice&) {
  const double momentum = node.attrs.get_float("momentum");
  const uint32_t direction = momentum == 0.0 ? 0u : node.attrs.get_bool("nesterov") ? 2u : 1u;
  return {.shader = "sgd_step",
          .bindings = 5,
          .push = {word(out.elements(), "elements"), float_word(static_cast<float>(momentum)),
                   float_attr(node, "weight_decay"), direction},
          .invocations = grid_invocations(out.elements())};
}

Dispatch adam_moment(const ir::Node& node, std::span<const ir::Shape>, const ir::Shape& out,
                     const KernelChoice&) {
  const double beta = node.attrs.get_float("beta");
  return {.shader = "adam_moment",
          .bindings = 4,
          .push = {word(out.elements(), "elements"), float_word(static_cast<float>(beta)),
                   float_word(static_cast<float>(1.0 - beta)), float_attr(node, "weight_decay"),
                   static_cast<uint32_t>(node.attrs.get_int("power"))},
          .invocations = grid_invocations(out.elements())};
}

// ln(beta) for the shader's 1 - beta^t = -expm1(t ln(beta)); beta = 0
// (no averaging) as a logarithm so negative that beta^t is 0 for t >= 1,
// without an infinity (a shader need not keep one).
uint32_t log_word(double beta) {
  return float_word(beta > 0.0 ? static_cast<float>(std::log(beta)) : -1e30f);
}

Dispatch adam_step(const ir::Node& node, std::span<const ir::Shape>, const ir::Shape& out,
                   const KernelChoice&) {
  return {.shader = "adam_step",
          .bindings = 6,
          .push = {word(out.elements(), "elements"), log_word(node.attrs.get_float("beta1")),
                   log_word(node.attrs.get_float("beta2")), float_attr(node, "eps"),
                   float_attr(node, "decoupled_weight_decay")},
          .invocations = grid_invocations(out.elements())};
}

}  // namespace

void register_optimizer_vulkan(LoweringTable& table) {
  table.add("sgd_velocity", sgd_velocity);
  table.add("sgd_step", sgd_step);
  table.add("adam_moment", adam_moment);
  table.add("adam_step", adam_step);
}

}  // namespace cnnc::backends::vulkan
