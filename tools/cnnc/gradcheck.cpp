// `cnnc gradcheck MODEL`: every trainable parameter's gradient, as the
// training graph computes it, against central finite differences of the
// loss on random inputs and labels (runtime/gradcheck.h). One row per
// parameter; exit status 1 when a gradient is wrong.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "ir/shape.h"
#include "runtime/gradcheck.h"
#include "tools/cnnc/command.h"
#include "tools/cnnc/run_options.h"

namespace cnnc::cli {

namespace {

struct GradcheckArgs {
  std::string model, weights, init, backend = "reference";
  uint64_t seed = 0;
  training::GradcheckOptions options;
};

std::string numeric(double v) {
  return fmt::format("{:.6g}", v);
}

void print_report(const GradcheckArgs& a, const std::string& model_name,
                  const training::GradcheckReport& r) {
  const auto& o = a.options;
  std::cout << fmt::format("gradient check of {} ({}), {}\n", model_name, a.model,
                           a.weights.empty() ? fmt::format("--init {} --seed {}", a.init, a.seed)
                                             : "weights " + a.weights);
  std::cout << fmt::format(
      "backend {}, batch {}, seed {}, eps {}, tolerance {}: random inputs N(0, 1), labels of {} "
      "classes; loss {:.6f}\n\n",
      a.backend, o.batch, o.seed, o.eps, o.tolerance, r.classes, r.loss);

  size_t name_width = 9, shape_width = 5;
  for (const auto& p : r.params) {
    name_width = std::max(name_width, p.name.size());
    shape_width = std::max(shape_width, ir::to_string(p.shape).size());
  }
  std::cout << fmt::format("{:<{}}  {:<{}}  {:>7}  {:>9}  {:>11}  {}\n", "parameter", name_width,
                           "shape", shape_width, "checked", "max error", "worst entry", "status");
  int64_t entries = 0, kinks = 0, failed_entries = 0;
  std::vector<std::string> failed;
  for (const auto& p : r.params) {
    entries += static_cast<int64_t>(p.entries.size());
    kinks += p.kinks;
    std::string status = p.ok ? "ok" : "FAIL";
    if (p.kinks) status += fmt::format(" ({} at a kink)", p.kinks);
    const std::string worst =
        p.worst >= 0 ? fmt::format("{}", p.entries[static_cast<size_t>(p.worst)].index) : "-";
    std::cout << fmt::format("{:<{}}  {:<{}}  {:>7}  {:>9.2e}  {:>11}  {}\n", p.name, name_width,
                             ir::to_string(p.shape), shape_width, p.entries.size(), p.max_error,
                             worst, status);
    if (!p.ok) failed.push_back(p.name);
  }

  if (failed.empty()) {
    std::cout << fmt::format(
        "\nok: all {} parameters' gradients match finite differences ({} entries{})\n",
        r.params.size(), entries,
        kinks ? fmt::format(
                    ", {} of them at a kink, matched by a one-sided or smaller-step difference",
                    kinks)
              : "");
    return;
  }
  std::cout << "\nwrong entries (analytic gradient; central, forward and backward differences):\n";
  constexpr int64_t kShownPerParam = 5;
  for (const auto& p : r.params) {
    int64_t shown = 0, wrong = 0;
    for (const auto& e : p.entries) {
      if (e.ok) continue;
      ++wrong;
      if (shown++ >= kShownPerParam) continue;
      std::cout << fmt::format("  {}[{}]: {} vs {}, {}, {} (error {:.2e})\n", p.name, e.index,
                               numeric(e.analytic), numeric(e.central), numeric(e.forward),
                               numeric(e.backward), e.error);
    }
    if (wrong > kShownPerParam)
      std::cout << fmt::format("  ... and {} more of {}\n", wrong - kShownPerParam, p.name);
    failed_entries += wrong;
  }
  std::cout << fmt::format(
      "\nFAIL: {} of {} parameters have wrong gradients ({} of {} entries): {}\n", failed.size(),
      r.params.size(), failed_entries, entries, fmt::join(failed, ", "));
}

void gradcheck(GradcheckArgs a, bool init_given, GlobalOptions& global) {
  auto& o = a.options;
  if (!(o.eps > 0)) throw UsageError("--eps must be positive");
  if (!(o.tolerance > 0)) throw UsageError("--tolerance must be positive");
  if (!a.weights.empty() && init_given) throw UsageError("give --weights or --init, not both");
  if (a.weights.empty() && a.init.empty()) a.init = "he";
  if (!a.weights.empty()) a.init.clear();
  o.seed = a.seed;
  Registry& reg = registry(global);
  backends::Backend& backend = find_backend(reg, a.backend);
  ir::Graph model = load_runnable_model(
      a.model, {.weights = a.weights, .init = a.init, .pipeline = "check", .seed = a.seed}, global);
  const training::GradcheckReport r = training::check_gradients(model, reg.ops, backend, o);
  print_report(a, model.name, r);
  if (!r.ok()) throw ExitStatus{1};
}

}  // namespace

void add_gradcheck_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "gradcheck", "check every parameter's gradient against finite differences of the loss");
  auto a = std::make_shared<GradcheckArgs>();
  cmd->add_option("model", a->model, "model file (.cnn)")->required();
  cmd->add_option("--seed", a->seed,
                  "seed of the initialization, the random inputs and labels and the entries "
                  "checked (default 0)");
  cmd->add_option("--batch", a->options.batch, "batch size of the random inputs (default 4)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--samples", a->options.samples,
                  "entries checked per parameter, all of a smaller one (default 20)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--eps", a->options.eps,
                  "finite-difference step (default 1e-2: the loss is a float32, whose rounding "
                  "a smaller step magnifies)");
  cmd->add_option("--tolerance", a->options.tolerance,
                  "largest accepted |analytic - numeric| / max(|analytic| + |numeric|, 1e-3) "
                  "(default 1e-2)");
  cmd->add_option("--weights,-w", a->weights, "the parameters' values (safetensors)");
  auto* init = cmd->add_option("--init", a->init,
                               "initialization without --weights: he (the default) or xavier")
                   ->check(CLI::IsMember({"he", "xavier"}));
  cmd->add_option("--backend,-b", a->backend,
                  "backend that evaluates the graphs (default reference)");
  cmd->add_option("--threads", a->options.compile.threads, "worker threads (default: every core)")
      ->check(CLI::PositiveNumber);
  cmd->callback([=, &global] { gradcheck(*a, init->count() > 0, global); });
}

}  // namespace cnnc::cli
