#include "runtime/gradcheck.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "passes/dead_node_elimination.h"
#include "passes/training_graph.h"
#include "runtime/data/random.h"

namespace cnnc::training {

namespace {

// N(0, 1) by Box-Muller from 53-bit uniforms: the same numbers for a seed on
// every standard library (runtime/data/random.h says why not
// std::normal_distribution).
double unit_uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1p-53;
}
void fill_normal(std::mt19937_64& rng, std::span<float> out) {
  constexpr double kTwoPi = 6.283185307179586;
  for (size_t i = 0; i < out.size(); i += 2) {
    const double u = 1.0 - unit_uniform(rng), v = unit_uniform(rng);  // u in (0, 1]
    const double r = std::sqrt(-2.0 * std::log(u));
    out[i] = static_cast<float>(r * std::cos(kTwoPi * v));
    if (i + 1 < out.size()) out[i + 1] = static_cast<float>(r * std::sin(kTwoPi * v));
  }
}

// `count` distinct indices below `n` (all of them when count >= n), sorted.
std::vector<int64_t> sample_indices(std::mt19937_64& rng, int64_t n, int64_t count) {
  std::vector<int64_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  if (count >= n) return all;
  for (int64_t i = 0; i < count; ++i) {
    const auto j = i + static_cast<int64_t>(data::uniform_below(rng, static_cast<uint64_t>(n - i)));
    std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(j)]);
  }
  all.resize(static_cast<size_t>(count));
  std::sort(all.begin(), all.end());
  return all;
}

// `graph` with `outputs` only, what no output needs removed, and the step
// counter (dropout's mask, Adam's bias correction) fixed at the first step,
// so that every evaluation draws the same dropout masks.
ir::Graph pruned(const ir::Graph& graph, std::vector<ir::TensorRef> outputs,
                 const std::string& step) {
  ir::Graph g = graph;
  g.set_outputs(std::move(outputs));
  passes::eliminate_dead_nodes(g);
  if (auto id = g.find(step)) g.node(*id).value->data()[0] = 1.0f;
  return g;
}

// A difference within this many steps of the loss's float32 resolution is
// rounding, whatever its relative size.
constexpr double kNoiseUnits = 4;
// Where the central difference at eps disagrees: the steps, as fractions
// of eps, whose differences are tried next.
constexpr double kStepFractions[] = {1.0, 1.0 / 4, 1.0 / 16, 1.0 / 64};

double loss_at(backends::Executable& exe, const std::vector<ir::Tensor>& inputs) {
  return exe.run(inputs).at(0)[0];
}

}  // namespace

bool GradcheckReport::ok() const {
  return std::all_of(params.begin(), params.end(), [](const ParamCheck& p) { return p.ok; });
}

GradcheckReport check_gradients(const ir::Graph& model, const ir::OpRegistry& ops,
                                backends::Backend& backend, const GradcheckOptions& o) {
  if (o.batch < 1) throw std::invalid_argument("the batch size must be at least 1");
  if (o.samples < 1) throw std::invalid_argument("the number of samples must be at least 1");
  if (!(o.eps > 0 && std::isfinite(o.eps)))
    throw std::invalid_argument("the finite-difference step must be positive");
  if (!(o.tolerance > 0)) throw std::invalid_argument("the tolerance must be positive");
  if (!(o.floor > 0)) throw std::invalid_argument("the error's floor must be positive");

  // The trainer's own graph with plain SGD: each trainable parameter's
  // update `sgd_step(param, gradient, ...)` reads the gradient the trainer
  // would apply; the loss is output 0.
  const passes::TrainingGraph t = passes::make_training_graph(model, ops, {});
  const ir::Graph& tg = t.graph;
  const ir::TensorRef loss = tg.outputs().at(passes::TrainingGraph::kLossOutput);
  std::vector<std::string> names;
  std::vector<ir::TensorRef> gradient_outputs{loss};
  for (const auto& u : t.updates) {
    const ir::NodeId update = tg.outputs().at(u.output).node;
    if (tg.node(update).op != "sgd_step") continue;  // batchnorm running statistics
    names.push_back(u.param);
    gradient_outputs.push_back(tg.inputs_of(update).at(1));
  }
  if (names.empty())  // make_training_graph throws for a model without trainable parameters
    throw std::logic_error("gradcheck: the training graph has no sgd_step update to read");
  const ir::Graph gradient_graph = pruned(tg, gradient_outputs, t.step);
  const ir::Graph loss_graph = pruned(tg, {loss}, t.step);

  // Inputs N(0, 1), labels uniform over the classes.
  std::mt19937_64 rng(o.seed);
  const ir::Node& input = tg.node(tg.input_nodes().at(0));
  ir::Tensor x(input.outputs.at(0).with_batch(o.batch));
  fill_normal(rng, x.data());
  GradcheckReport report;
  report.classes = tg.shape_of(tg.outputs().at(passes::TrainingGraph::kLogitsOutput))[1];
  ir::Tensor labels(ir::Shape{o.batch});
  for (float& l : labels.data())
    l = static_cast<float>(data::uniform_below(rng, static_cast<uint64_t>(report.classes)));
  const std::vector<ir::Tensor> inputs{x, labels};

  const std::vector<ir::Tensor> analytic = backend.compile(gradient_graph, o.compile)->run(inputs);
  const auto exe = backend.compile(loss_graph, o.compile);
  report.loss = loss_at(*exe, inputs);
  if (!std::isfinite(report.loss))
    throw std::runtime_error(fmt::format("the loss at the starting point is {}", report.loss));

  // The smallest change of the float32 loss near its value: a difference
  // over a denominator d resolves no finer than ulp / d.
  const auto l0 = static_cast<float>(report.loss);
  const double ulp = static_cast<double>(std::nextafter(std::abs(l0), HUGE_VALF)) - std::abs(l0);
  auto error = [&](double a, double n, double denominator) {
    if (!std::isfinite(n) || !std::isfinite(a)) return std::numeric_limits<double>::infinity();
    const double noise = kNoiseUnits * ulp / denominator / o.tolerance;
    return std::abs(a - n) / std::max({std::abs(a) + std::abs(n), o.floor, noise});
  };
  for (size_t k = 0; k < names.size(); ++k) {
    const ir::Node& param = loss_graph.node(*loss_graph.find(names[k]));
    const ir::Tensor& original = *param.value;
    const ir::Tensor& gradient = analytic.at(k + 1);
    ParamCheck pc{.name = names[k], .shape = original.shape()};
    std::vector<float> values(original.data().begin(), original.data().end());
    for (int64_t i : sample_indices(rng, original.size(), o.samples)) {
      const double p = original[i];
      auto loss_with = [&](float v) {
        values[static_cast<size_t>(i)] = v;
        exe->set_param(names[k], values);
        const double l = loss_at(*exe, inputs);
        values[static_cast<size_t>(i)] = original[i];
        return l;
      };
      EntryCheck e{.index = i, .analytic = gradient[i]};
      for (size_t s = 0; s < std::size(kStepFractions) && !e.ok; ++s) {
        const double h = o.eps * kStepFractions[s];
        const auto up = static_cast<float>(p + h), down = static_cast<float>(p - h);
        const double l_up = loss_with(up), l_down = loss_with(down);
        // The steps the float parameter really took.
        const double h_up = static_cast<double>(up) - p, h_down = p - static_cast<double>(down);
        if (!(h_up > 0 && h_down > 0)) continue;  // a step below the float's spacing at p
        const double central = (l_up - l_down) / (h_up + h_down);
        const double forward = (l_up - report.loss) / h_up;
        const double backward = (report.loss - l_down) / h_down;
        if (s == 0) {
          e.central = central, e.forward = forward, e.backward = backward;
          e.error = error(e.analytic, central, h_up + h_down);
          if (e.error <= o.tolerance) {
            e.ok = true;
            break;
          }
        }
        // Across a kink: a smaller central difference, or one side of it.
        double best = s == 0 ? std::numeric_limits<double>::infinity()
                             : error(e.analytic, central, h_up + h_down);
        best =
            std::min({best, error(e.analytic, forward, h_up), error(e.analytic, backward, h_down)});
        if (best <= o.tolerance) e.ok = e.kink = true, e.error = best, e.step = h;
      }
      pc.ok = pc.ok && e.ok;
      pc.kinks += e.kink;
      if (pc.worst < 0 || e.error > pc.max_error || std::isnan(e.error)) {
        pc.max_error = e.error;
        pc.worst = static_cast<int64_t>(pc.entries.size());
      }
      pc.entries.push_back(e);
    }
    exe->set_param(names[k], original.data());
    report.params.push_back(std::move(pc));
  }
  return report;
}

}  // namespace cnnc::training
