// dropout at inference (a copy) and in training, and dropout_grad: the
// mask of ir/ops/dropout_mask.h drawn in the shader (dropout.comp), bit for
// bit the reference's, and so are the kept values.
#include <cmath>

#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/push_words.h"
#include "ir/ops/dropout_mask.h"

namespace cnnc::backends::vulkan {

namespace {

uint32_t low(uint64_t v) {
  return static_cast<uint32_t>(v);
}
uint32_t high(uint64_t v) {
  return static_cast<uint32_t>(v >> 32);
}

// The key's part fixed at compile time (the step is read from its buffer:
// key = mix(this ^ step)), the keep threshold and the scale in integers,
// as dropout.comp takes them.
Dispatch masked(double rate, uint64_t seed, uint64_t stream, int64_t count) {
  namespace dm = ir::dropout_mask;
  const uint64_t stream_key = dm::mix(dm::mix(seed + dm::kGamma) ^ (stream * dm::kGamma));
  // draw 2^-53 < 1 - rate for a 53-bit integer draw, exactly: draw < ceil((1 - rate) 2^53).
  const auto threshold = static_cast<uint64_t>(std::ceil(std::ldexp(1.0 - rate, 53)));
  int exponent = 0;
  const double fraction = std::frexp(1.0 / (1.0 - rate), &exponent);
  const auto mantissa = static_cast<uint64_t>(std::ldexp(fraction, 53));
  return {
      .shader = "dropout",
      .bindings = 3,
      .push = {low(stream_key), high(stream_key), low(threshold), high(threshold), low(mantissa),
               high(mantissa), word(count, "elements"), static_cast<uint32_t>(exponent - 53)},
      .invocations = grid_invocations(count)};
}

Dispatch dropout(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                 const KernelChoice&) {
  const auto& attrs = node.attrs;
  if (!(attrs.has("training") && attrs.get_bool("training"))) {
    // copy.comp takes an invocation per element; copy_first.comp steps.
    const bool step_given = in.size() == 2;  // and unread
    return {.shader = step_given ? "copy_first" : "copy",
            .bindings = step_given ? 3u : 2u,
            .push = {word(out.elements(), "elements")},
            .invocations = step_given ? grid_invocations(out.elements()) : out.elements()};
  }
  if (in.size() < 2)
    throw std::runtime_error("dropout with training=true needs the step counter as input 1");
  return masked(attrs.get_float("rate"),
                static_cast<uint64_t>(attrs.has("seed") ? attrs.get_int("seed") : 0),
                static_cast<uint64_t>(ir::dropout_mask::stream_of(node.name)), out.elements());
}

Dispatch dropout_grad(const ir::Node& node, std::span<const ir::Shape>, const ir::Shape& out,
                      const KernelChoice&) {
  const auto& attrs = node.attrs;
  return masked(attrs.get_float("rate"), static_cast<uint64_t>(attrs.get_int("seed")),
                static_cast<uint64_t>(attrs.get_int("stream")), out.elements());
}

}  // namespace

void register_dropout_vulkan(LoweringTable& table) {
  table.add("dropout", dropout);
  table.add("dropout_grad", dropout_grad);
}

}  // namespace cnnc::backends::vulkan
