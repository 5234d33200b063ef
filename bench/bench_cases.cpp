#include "bench/bench_cases.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace cnnc::bench {

double ConvSpec::flops(int64_t batch) const {
  return 2.0 * static_cast<double>(batch * K * (C / groups) * R * S * out_h() * out_w());
}

namespace {

ConvSpec read_conv(const nlohmann::json& j) {
  ConvSpec c;
  c.C = j.at("C");
  c.H = j.at("H");
  c.W = j.at("W");
  c.K = j.at("K");
  c.R = j.at("R");
  c.S = j.at("S");
  c.stride = j.value("stride", 1);
  c.pad = j.value("pad", 0);
  c.groups = j.value("groups", 1);
  if (c.groups <= 0 || c.C % c.groups || c.K % c.groups || c.out_h() <= 0 || c.out_w() <= 0)
    throw std::runtime_error("inconsistent convolution (groups, kernel or padding)");
  return c;
}

}  // namespace

std::vector<BenchCase> read_cases(const std::filesystem::path& cases_json) {
  std::ifstream in(cases_json);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open", cases_json.string()));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: {}", cases_json.string(), e.what()));
  }
  const auto dir = std::filesystem::absolute(cases_json).parent_path();
  std::vector<BenchCase> cases;
  std::string entry;
  try {
    for (const auto& layer : j.at("layers")) {
      entry = layer.value("name", "?");
      cases.push_back(BenchCase{.name = "layer/" + layer.at("name").get<std::string>(),
                                .model = dir / layer.at("model").get<std::string>(),
                                .batch = layer.at("batch"),
                                .conv = read_conv(layer.at("conv")),
                                .fused = layer.value("fused", false)});
    }
    for (const auto& model : j.at("models")) {
      entry = model.value("name", "?");
      for (int64_t batch : model.at("batches"))
        cases.push_back(BenchCase{
            .name = fmt::format("model/{}/b{}", model.at("name").get<std::string>(), batch),
            .model = dir / model.at("model").get<std::string>(),
            .batch = batch});
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(
        fmt::format("{}: case '{}': {}", cases_json.string(), entry, e.what()));
  }
  return cases;
}

}  // namespace cnnc::bench
