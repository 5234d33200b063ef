#include "backends/vulkan/lowering.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace cnnc::backends::vulkan {

void register_elementwise_vulkan(LoweringTable& table);
void register_dense_vulkan(LoweringTable& table);
void register_softmax_vulkan(LoweringTable& table);
void register_conv_vulkan(LoweringTable& table);
void register_pool_vulkan(LoweringTable& table);
void register_normalization_vulkan(LoweringTable& table);
void register_concat_vulkan(LoweringTable& table);
void register_conv_grad_vulkan(LoweringTable& table);
void register_pool_grad_vulkan(LoweringTable& table);
void register_dense_grad_vulkan(LoweringTable& table);
void register_activation_grad_vulkan(LoweringTable& table);
void register_reduction_vulkan(LoweringTable& table);
void register_loss_vulkan(LoweringTable& table);
void register_optimizer_vulkan(LoweringTable& table);
void register_shape_vulkan(LoweringTable& table);
void register_dropout_vulkan(LoweringTable& table);
void register_batchnorm_grad_vulkan(LoweringTable& table);
void register_lrn_vulkan(LoweringTable& table);
void register_conv_nd_vulkan(LoweringTable& table);
void register_conv_transpose_vulkan(LoweringTable& table);
void register_local_vulkan(LoweringTable& table);

std::vector<std::string> LoweringTable::ops() const {
  std::vector<std::string> names;
  for (const auto& [name, lowering] : lowerings_) names.push_back(name);
  return names;
}

const LoweringTable& builtin_lowerings() {
  static const LoweringTable table = [] {
    LoweringTable t;
    register_elementwise_vulkan(t);
    register_dense_vulkan(t);
    register_softmax_vulkan(t);
    register_conv_vulkan(t);
    register_pool_vulkan(t);
    register_normalization_vulkan(t);
    register_concat_vulkan(t);
    register_conv_grad_vulkan(t);
    register_pool_grad_vulkan(t);
    register_dense_grad_vulkan(t);
    register_activation_grad_vulkan(t);
    register_reduction_vulkan(t);
    register_loss_vulkan(t);
    register_optimizer_vulkan(t);
    register_shape_vulkan(t);
    register_dropout_vulkan(t);
    register_batchnorm_grad_vulkan(t);
    register_lrn_vulkan(t);
    register_conv_nd_vulkan(t);
    register_conv_transpose_vulkan(t);
    register_local_vulkan(t);
    return t;
  }();
  return table;
}

Dispatch gemm_dispatch(uint32_t mode, std::vector<uint32_t> push, const KernelChoice::GemmTiles& t,
                       int64_t rows, int64_t columns, int64_t groups) {
  push.insert(push.begin(), mode);
  const auto grid = [](int64_t n, uint32_t tile) {
    return static_cast<uint32_t>(std::max<int64_t>((n + tile - 1) / tile, 1));
  };
  return {.shader = "gemm_tiled",
          .bindings = 4,
          .push = std::move(push),
          .workgroup_size = (t.tm / t.rm) * (t.tn / t.rn),
          .specialization = {t.tm, t.tn, t.tk, t.rm, t.rn},
          .grid = {grid(columns, t.tn), grid(rows, t.tm), static_cast<uint32_t>(groups)}};
}

bool gemm_fits(const KernelChoice::GemmTiles& t, int64_t depth) {
  const int64_t threads = (t.tm / t.rm) * (t.tn / t.rn);
  const int64_t per_slice = (int64_t{t.tk} * t.tm + threads - 1) / threads +
                            (int64_t{t.tk} * t.tn + threads - 1) / threads + t.tk;
  return (depth + t.tk - 1) / t.tk * per_slice <= 32768;
}

uint32_t float_word(float value) {
  return std::bit_cast<uint32_t>(value);
}

std::pair<uint32_t, float> activation_code(std::string_view name, double alpha) {
  if (name == "none") return {0, 0.0f};
  if (name == "relu") return {1, 0.0f};
  if (name == "relu6") return {2, 0.0f};
  if (name == "leaky_relu") return {3, alpha != 0.0 ? float(alpha) : 0.01f};
  if (name == "tanh") return {4, 0.0f};
  if (name == "sigmoid") return {5, 0.0f};
  if (name == "elu") return {6, alpha != 0.0 ? float(alpha) : 1.0f};
  throw std::runtime_error("unknown activation '" + std::string(name) + "'");
}

}  // namespace cnnc::backends::vulkan
