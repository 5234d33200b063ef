#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <stdexcept>
#include <string_view>
#include <tuple>

#include "backends/vulkan/native_plan.h"
#include "backends/vulkan/shader_table.h"

namespace cnnc::backends::vulkan {

// backends/vulkan/native_runtime.c, embedded at build time.
std::string_view native_runtime_source();

namespace {

// `words` as a C array body, a dozen a line.
std::string c_words(const std::vector<uint32_t>& words) {
  if (words.empty()) return "0";
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    out += fmt::format("{:#x}u,", words[i]);
    out += (i % 12 == 11) ? "\n" : " ";
  }
  return out;
}

// The plan's tables for native_runtime.c and the four functions the shell
// calls.
std::string plan_source(const NativeVulkanPlan& plan) {
  std::string c(native_runtime_source());
  c += fmt::format("\n/* The dispatches of this model, lowered for {} at batch {}. */\n",
                   plan.device, plan.batch);
  // One pipeline per shader, workgroup size, specialization and interface.
  using Key = std::tuple<std::string, std::vector<uint32_t>, size_t, size_t>;
  std::map<Key, size_t> pipeline_index;
  std::map<std::string, size_t> shader_index;
  std::string shaders, pipelines, dispatches, bindings;
  std::vector<uint32_t> push;
  size_t binding_count = 0;
  uint64_t largest_binding = 4;
  uint32_t largest_workgroup = 1;
  std::array<uint32_t, 3> largest_grid{1, 1, 1};
  for (const NativeDispatch& d : plan.dispatches) {
    if (!shader_index.contains(d.shader)) {
      const auto it = shader_table().find(d.shader);
      if (it == shader_table().end())
        throw std::runtime_error(fmt::format("layer '{}': no shader '{}'", d.layer, d.shader));
      shader_index[d.shader] = shader_index.size();
      shaders += fmt::format("static const uint32_t spirv_{}[] = {{ /* {} */\n{}}};\n",
                             shader_index[d.shader], d.shader,
                             c_words({it->second.begin(), it->second.end()}));
    }
    // native_runtime.c binds and specializes from arrays of 16.
    if (d.bindings.size() > 16 || d.specialization.size() + 1 > 16)
      throw std::runtime_error(fmt::format(
          "layer '{}': its {} shader takes {} bindings and {} specialization constants; a "
          "compiled library allows 16 of each",
          d.layer, d.shader, d.bindings.size(), d.specialization.size() + 1));
    std::vector<uint32_t> specialization{d.workgroup_size};
    specialization.insert(specialization.end(), d.specialization.begin(), d.specialization.end());
    const Key key{d.shader, specialization, d.bindings.size(), d.push.size()};
    auto [it, fresh] = pipeline_index.try_emplace(key, pipeline_index.size());
    if (fresh) {
      shaders += fmt::format("static const uint32_t specialization_{}[] = {{{}}};\n", it->second,
                             fmt::join(specialization, ", "));
      pipelines +=
          fmt::format("  {{spirv_{0}, sizeof spirv_{0}, {1}, {2}, specialization_{3}, {4}}},\n",
                      shader_index[d.shader], d.bindings.size(), d.push.size() * 4, it->second,
                      specialization.size());
    }
    dispatches += fmt::format("  {{{}, {}, {}, {}, {{{}}}}},\n", native::c_quoted(d.layer),
                              it->second, binding_count, push.size(), fmt::join(d.grid, ", "));
    for (const NativeBinding& b : d.bindings) {
      bindings +=
          fmt::format("  {{{}, {}, {}}},\n", static_cast<uint32_t>(b.buffer), b.offset, b.bytes);
      largest_binding = std::max(largest_binding, b.bytes);
    }
    binding_count += d.bindings.size();
    push.insert(push.end(), d.push.begin(), d.push.end());
    largest_workgroup = std::max(largest_workgroup, d.workgroup_size);
    for (size_t a = 0; a < 3; ++a) largest_grid[a] = std::max(largest_grid[a], d.grid[a]);
  }
  const auto places = [](const std::vector<NativeBinding>& ps) {
    std::string out;
    for (const NativeBinding& b : ps) out += fmt::format("{{0, {}, {}}}, ", b.offset, b.bytes);
    return out.empty() ? std::string("{0, 0, 0}") : out;
  };
  if (pipelines.empty()) pipelines = "  {0}\n";
  if (dispatches.empty()) dispatches = "  {0}\n";
  if (bindings.empty()) bindings = "  {0}\n";
  c += shaders;
  c += fmt::format(
      "static const vkr_pipeline plan_pipelines[] = {{\n{}}};\n"
      "static const vkr_binding plan_bindings[] = {{\n{}}};\n"
      "static const vkr_dispatch plan_dispatches[] = {{\n{}}};\n"
      "static const uint32_t plan_push[] = {{\n{}}};\n"
      "static const uint32_t plan_constants[] = {{\n{}}};\n"
      "static const vkr_binding plan_inputs[] = {{{}}};\n"
      "static const vkr_binding plan_outputs[] = {{{}}};\n",
      pipelines, bindings, dispatches, c_words(push), c_words(plan.constants),
      places(plan.input_places), places(plan.output_places));
  c += fmt::format(
      "static const vkr_plan the_plan = {{\n"
      "  plan_pipelines, {}, plan_dispatches, {}, plan_bindings, {},\n"
      "  plan_push, plan_constants, {}u, {}u, {}u,\n"
      "  plan_inputs, {}, plan_outputs, {},\n"
      "  {}u, {}u, {{{}}}}};\n\n",
      pipeline_index.size(), plan.dispatches.size(), binding_count, plan.constants.size() * 4,
      plan.arena_bytes, plan.params.size(), plan.input_places.size(), plan.output_places.size(),
      largest_binding, largest_workgroup, fmt::join(largest_grid, ", "));
  c += "static int plan_create(native_model* m) {\n"
       "  vkr_state* s = NULL;\n"
       "  const int status = vkr_create(&the_plan, m->weights, &s, create_error, sizeof "
       "create_error);\n"
       "  m->plan = s;\n  return status;\n}\n\n"
       "static int plan_run(native_model* m, const float* const* inputs, float* const* outputs) "
       "{\n"
       "  return vkr_run((vkr_state*)m->plan, inputs, outputs, m->error, sizeof m->error);\n}\n\n"
       "static void plan_destroy(native_model* m) { vkr_destroy((vkr_state*)m->plan); }\n\n"
       "static int plan_set_threads(int threads) { (void)threads; return 0; }\n";
  return c;
}

}  // namespace

native::NativeModel native_model(const NativeVulkanPlan& plan) {
  return {.backend = "vulkan",
          .target = "Vulkan, lowered for " + plan.device,
          .batch = plan.batch,
          .inputs = plan.inputs,
          .outputs = plan.outputs,
          .weights = plan.params,
          .arena_bytes = 0,
          .link_flags = {"-lvulkan"},
          .plan_source = plan_source(plan)};
}

}  // namespace cnnc::backends::vulkan
