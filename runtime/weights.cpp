#include "runtime/weights.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <map>
#include <numbers>
#include <random>
#include <stdexcept>
#include <thread>

#include "ir/op_registry.h"
#include "ir/parallel_for.h"
#include "runtime/safetensors.h"

namespace cnnc {

namespace {

enum class Distribution { HeNormal, XavierUniform, Zeros, Ones };

// splitmix64's finalizer: spreads every input bit over the output.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// FNV-1a: unlike std::hash, the same on every platform and release.
uint64_t hash_name(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// std::mt19937_64's sequence is fixed by the standard, but the standard
// distributions are not, so the uniform and normal draws are written here.
class Sampler {
 public:
  explicit Sampler(uint64_t seed) : engine_(seed) {}
  double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double a) { return (2 * uniform01() - 1) * a; }
  double normal(double stddev) {
    if (spare_) {
      double v = *spare_;
      spare_.reset();
      return v * stddev;
    }
    double u1 = 1.0 - uniform01();  // (0, 1]: log is finite
    double u2 = uniform01();
    double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2 * std::numbers::pi * u2);
    return r * std::cos(2 * std::numbers::pi * u2) * stddev;
  }

 private:
  std::mt19937_64 engine_;
  std::optional<double> spare_;
};

Distribution distribution_for(std::string_view method, ir::ParamInit init) {
  bool ones = init == ir::ParamInit::Ones;
  if (method == "zeros") return ones ? Distribution::Ones : Distribution::Zeros;
  switch (init) {
    case ir::ParamInit::HeNormal:
      return method == "xavier" ? Distribution::XavierUniform : Distribution::HeNormal;
    case ir::ParamInit::XavierUniform:
      return Distribution::XavierUniform;
    case ir::ParamInit::Ones:
      return Distribution::Ones;
    case ir::ParamInit::Zeros:
    case ir::ParamInit::Bias:
      return Distribution::Zeros;
  }
  return Distribution::Zeros;
}

ir::Tensor initial_value(const ir::Node& node, Distribution dist, uint64_t seed) {
  const ir::ParamSpec& spec = node.param;
  if (spec.shape.has_symbolic_batch())
    throw std::invalid_argument(fmt::format("parameter '{}' has shape {}, which is not concrete",
                                            node.name, ir::to_string(spec.shape)));
  ir::Tensor t(spec.shape);
  Sampler sampler(mix(seed ^ mix(hash_name(node.name))));
  auto positive = [&](int64_t fan, const char* what) {
    if (fan <= 0)
      throw std::invalid_argument(fmt::format("parameter '{}' has {} {}", node.name, what, fan));
    return static_cast<double>(fan);
  };
  switch (dist) {
    case Distribution::HeNormal: {
      double stddev = std::sqrt(2.0 / positive(spec.fan_in, "fan_in"));
      for (auto& v : t.data()) v = static_cast<float>(sampler.normal(stddev));
      break;
    }
    case Distribution::XavierUniform: {
      double a =
          std::sqrt(6.0 / (positive(spec.fan_in, "fan_in") + positive(spec.fan_out, "fan_out")));
      for (auto& v : t.data()) v = static_cast<float>(sampler.uniform(a));
      break;
    }
    case Distribution::Ones:
      for (auto& v : t.data()) v = 1.0f;
      break;
    case Distribution::Zeros:
      break;
  }
  return t;
}

}  // namespace

std::vector<std::string> init_methods() {
  return {"he", "xavier", "zeros"};
}

void initialize_params(ir::Graph& graph, std::string_view method, uint64_t seed) {
  auto methods = init_methods();
  if (std::find(methods.begin(), methods.end(), method) == methods.end())
    throw std::invalid_argument(fmt::format("unknown initialization '{}'; choose one of: {}",
                                            method, fmt::join(methods, ", ")));
  // Compute everything first so a bad parameter leaves the graph unchanged.
  // Each parameter draws from its own seeded stream, so the values do not
  // depend on how the parameters are spread over threads.
  const auto ids = graph.param_nodes();
  std::vector<ir::Tensor> values(ids.size());
  ir::parallel_for(ids.size(), std::max(1u, std::thread::hardware_concurrency()), [&](size_t i) {
    const auto& node = graph.node(ids[i]);
    values[i] = initial_value(node, distribution_for(method, node.param.init), seed);
  });
  for (size_t i = 0; i < ids.size(); ++i) graph.node(ids[i]).value = std::move(values[i]);
}

void load_weights(ir::Graph& graph, const std::string& path) {
  auto file = safetensors::File::open(path);
  std::vector<std::string> problems;
  std::vector<std::pair<ir::NodeId, const safetensors::TensorInfo*>> matched;
  std::vector<std::string> param_names;
  for (auto id : graph.param_nodes()) {
    const auto& node = graph.node(id);
    param_names.push_back(node.name);
    const auto* info = file.find(node.name);
    if (!info) {
      problems.push_back(fmt::format("'{}': missing (expected shape {})", node.name,
                                     ir::to_string(node.param.shape)));
      continue;
    }
    bool ok = true;
    if (!safetensors::is_float_dtype(info->dtype)) {
      problems.push_back(
          fmt::format("'{}': dtype {}, expected F32 (or F16, BF16, F64)", node.name, info->dtype));
      ok = false;
    }
    if (info->shape != node.param.shape) {
      problems.push_back(fmt::format("'{}': shape {}, expected {}", node.name,
                                     ir::to_string(info->shape), ir::to_string(node.param.shape)));
      ok = false;
    }
    if (ok) matched.emplace_back(id, info);
  }
  for (const auto& info : file.tensors()) {
    auto id = graph.find(info.name);
    if (id && graph.node(*id).kind == ir::NodeKind::Param) continue;
    auto close = ir::closest_names(info.name, param_names, 1);
    problems.push_back(
        fmt::format("'{}': in the file but the model has no such parameter{}", info.name,
                    close.empty() ? "" : fmt::format(" (did you mean '{}'?)", close[0])));
  }
  if (!problems.empty())
    throw WeightsError(
        fmt::format("{}: does not match model '{}' ({} problem{}):\n  {}", path, graph.name,
                    problems.size(), problems.size() == 1 ? "" : "s", fmt::join(problems, "\n  ")),
        problems);

  std::vector<std::pair<ir::NodeId, ir::Tensor>> values;
  for (auto [id, info] : matched) values.emplace_back(id, file.read(info->name));
  for (auto& [id, value] : values) graph.node(id).value = std::move(value);
}

std::string WeightsMatch::Skipped::describe() const {
  switch (reason) {
    case Reason::ShapeDiffers:
      return fmt::format("'{}': shape {} in the file, {} in the model", name,
                         ir::to_string(file_shape), ir::to_string(model_shape));
    case Reason::NotFloat:
      return fmt::format("'{}': dtype {}, expected F32 (or F16, BF16, F64)", name, dtype);
    case Reason::NotInModel:
      break;
  }
  return fmt::format("'{}' {}: the model has no such parameter", name, ir::to_string(file_shape));
}

std::string WeightsMatch::summary(const std::string& path) const {
  std::vector<std::string> differ, file_shapes, groups, unused;
  for (const auto& s : skipped) {
    if (s.reason == Skipped::Reason::ShapeDiffers) {
      differ.push_back(fmt::format("{} {}", s.name, ir::to_string(s.model_shape)));
      file_shapes.push_back(ir::to_string(s.file_shape));
    } else if (s.reason == Skipped::Reason::NotFloat) {
      groups.push_back(
          fmt::format("{} {} (the file's is {})", s.name, ir::to_string(s.model_shape), s.dtype));
    } else {
      unused.push_back(s.name);
    }
  }
  if (!differ.empty())
    groups.insert(groups.begin(),
                  fmt::format("{} (the file's {} {})", fmt::join(differ, ", "),
                              differ.size() == 1 ? "is" : "are", fmt::join(file_shapes, ", ")));
  if (!not_in_file.empty()) {
    std::vector<std::string> missing;
    for (const auto& p : not_in_file)
      missing.push_back(fmt::format("{} {}", p.name, ir::to_string(p.shape)));
    groups.push_back(fmt::format("{} (not in the file)", fmt::join(missing, ", ")));
  }
  std::string out = fmt::format("loaded {} of {} parameters from {}", loaded.size(), params, path);
  if (!groups.empty()) out += fmt::format("; initialized: {}", fmt::join(groups, "; "));
  if (!unused.empty())
    out += fmt::format("; unused from the file (no such parameter): {}", fmt::join(unused, ", "));
  return out;
}

WeightsMatch load_matching_weights(ir::Graph& graph, const std::string& path) {
  auto file = safetensors::File::open(path);
  using Reason = WeightsMatch::Skipped::Reason;
  WeightsMatch match;
  std::vector<std::pair<ir::NodeId, const safetensors::TensorInfo*>> matched;
  for (auto id : graph.param_nodes()) {
    const auto& node = graph.node(id);
    ++match.params;
    const auto* info = file.find(node.name);
    if (!info) {
      match.not_in_file.push_back({node.name, node.param.shape});
    } else if (info->shape != node.param.shape) {
      match.skipped.push_back(
          {node.name, Reason::ShapeDiffers, info->dtype, info->shape, node.param.shape});
    } else if (!safetensors::is_float_dtype(info->dtype)) {
      match.skipped.push_back(
          {node.name, Reason::NotFloat, info->dtype, info->shape, node.param.shape});
    } else {
      match.loaded.push_back(node.name);
      matched.emplace_back(id, info);
    }
  }
  for (const auto& info : file.tensors()) {
    auto id = graph.find(info.name);
    if (id && graph.node(*id).kind == ir::NodeKind::Param) continue;
    match.skipped.push_back({info.name, Reason::NotInModel, info.dtype, info.shape, {}});
  }
  if (matched.empty()) {
    std::vector<std::string> problems;
    for (const auto& s : match.skipped) problems.push_back(s.describe());
    auto written_for = file.metadata().find("model");
    throw WeightsError(
        fmt::format("{}: no tensor matches a parameter of model '{}' by name and shape ({} "
                    "tensor{}{}, {} parameter{}); is it the right file?{}{}",
                    path, graph.name, file.tensors().size(), file.tensors().size() == 1 ? "" : "s",
                    written_for == file.metadata().end()
                        ? ""
                        : fmt::format(" written for model '{}'", written_for->second),
                    match.params, match.params == 1 ? "" : "s", problems.empty() ? "" : "\n  ",
                    fmt::join(problems, "\n  ")),
        problems);
  }

  std::vector<std::pair<ir::NodeId, ir::Tensor>> values;
  for (auto [id, info] : matched) values.emplace_back(id, file.read(info->name));
  for (auto& [id, value] : values) graph.node(id).value = std::move(value);
  return match;
}

void save_weights(const ir::Graph& graph, const std::string& path) {
  std::map<std::string, ir::Tensor> tensors;
  std::vector<std::string> missing;
  for (auto id : graph.param_nodes()) {
    const auto& node = graph.node(id);
    if (node.value)
      tensors.emplace(node.name, *node.value);
    else
      missing.push_back(node.name);
  }
  if (!missing.empty())
    throw std::invalid_argument(
        fmt::format("cannot save weights to '{}': parameter{} {} ha{} no value", path,
                    missing.size() == 1 ? "" : "s", fmt::join(missing, ", "),
                    missing.size() == 1 ? "s" : "ve"));
  std::map<std::string, std::string> metadata{{"format", "cnnc"}, {"model", graph.name}};
  safetensors::write(path, tensors, metadata);
}

}  // namespace cnnc
