#include "backends/halide/schedule.h"

#include <fmt/format.h>

#include <array>
#include <stdexcept>
#include <utility>

namespace cnnc::backends::halide {

namespace {

constexpr std::array<std::pair<ScheduleTemplate, const char*>, 7> kTemplateNames{{
    {ScheduleTemplate::ConvChannels, "conv_channels"},
    {ScheduleTemplate::ConvColumns, "conv_columns"},
    {ScheduleTemplate::ConvPointwise, "conv_pointwise"},
    {ScheduleTemplate::Depthwise, "depthwise"},
    {ScheduleTemplate::Dense, "dense"},
    {ScheduleTemplate::Generic, "generic"},
    {ScheduleTemplate::Auto, "auto"},
}};

template <typename T>
T field(const nlohmann::json& json, const char* name, T fallback) {
  if (!json.contains(name)) return fallback;
  try {
    return json.at(name).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(fmt::format("schedule field '{}' has the wrong type", name));
  }
}

}  // namespace

std::string to_string(ScheduleTemplate kind) {
  for (auto [k, name] : kTemplateNames)
    if (k == kind) return name;
  return "generic";
}

nlohmann::json to_json(const Schedule& s) {
  nlohmann::json j = {{"template", to_string(s.kind)},
                      {"vector_width", s.vector_width},
                      {"tile_k", s.tile_k},
                      {"tile_x", s.tile_x},
                      {"parallel", s.parallel},
                      {"task_rows", s.task_rows},
                      {"stage_input", s.stage_input},
                      {"channels_outer", s.channels_outer},
                      {"producer", s.producer == ProducerPlacement::Tile ? "tile" : "root"}};
  if (!s.autoscheduler.empty()) j["autoscheduler"] = s.autoscheduler;
  return j;
}

Schedule schedule_from_json(const nlohmann::json& json) {
  if (!json.is_object()) throw std::invalid_argument("a schedule must be a JSON object");
  Schedule s;
  const std::string name = field<std::string>(json, "template", "generic");
  bool known = false;
  for (auto [k, n] : kTemplateNames)
    if (name == n) s.kind = k, known = true;
  if (!known) throw std::invalid_argument(fmt::format("unknown schedule template '{}'", name));
  s.vector_width = field(json, "vector_width", s.vector_width);
  s.tile_k = field(json, "tile_k", s.tile_k);
  s.tile_x = field(json, "tile_x", s.tile_x);
  s.parallel = field(json, "parallel", s.parallel);
  s.stage_input = field(json, "stage_input", s.stage_input);
  s.channels_outer = field(json, "channels_outer", s.channels_outer);
  s.task_rows = field(json, "task_rows", s.task_rows);
  if (s.task_rows < 1 || s.task_rows > 4096)
    throw std::invalid_argument("schedule field 'task_rows' must be in [1, 4096]");
  const std::string producer = field<std::string>(json, "producer", "tile");
  if (producer != "tile" && producer != "root")
    throw std::invalid_argument(
        fmt::format("schedule producer must be tile or root, not '{}'", producer));
  s.producer = producer == "tile" ? ProducerPlacement::Tile : ProducerPlacement::Root;
  s.autoscheduler = field<std::string>(json, "autoscheduler", "");
  for (auto [value, what] : {std::pair{s.vector_width, "vector_width"},
                             std::pair{s.tile_k, "tile_k"}, std::pair{s.tile_x, "tile_x"}})
    if (value < 1 || value > 64)
      throw std::invalid_argument(fmt::format("schedule field '{}' must be in [1, 64]", what));
  return s;
}

}  // namespace cnnc::backends::halide
