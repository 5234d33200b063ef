// `cnnc eval MODEL --weights W --data SPEC`: a classifier's accuracy, mean
// loss, per-class accuracy and confusion matrix on a labelled data set
// (training::evaluate_model), printed as tables and, with --json, written
// as one JSON object.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ir/text_printer.h"
#include "passes/dead_node_elimination.h"
#include "runtime/data/source.h"
#include "runtime/file_io.h"
#include "runtime/model.h"
#include "runtime/trainer.h"
#include "tools/cnnc/command.h"
#include "tools/cnnc/data_options.h"
#include "tools/cnnc/run_options.h"

namespace cnnc::cli {

namespace {

// Confusion matrices of more classes are only written by --json.
constexpr int64_t kMaxPrintedClasses = 32;

struct EvalArgs {
  std::string model, weights, data, split = "test", json, pipeline = "inference";
  BackendChoice backend;
  int64_t batch = 64, limit = 0;
  std::vector<float> mean, std;  // as the model was trained with
};

// The evaluation graph takes the logits before a final softmax. Dropping
// the softmax here, before the pipeline runs, keeps fusion from merging it
// into the last layer, where the loss could no longer find the logits.
void drop_final_softmax(ir::Graph& g) {
  if (g.outputs().size() != 1) return;
  const ir::TensorRef out = g.outputs()[0];
  const ir::Node& last = g.node(out.node);
  if (last.kind != ir::NodeKind::Op || last.op != "softmax" || last.attrs.get_int("axis") != 1)
    return;
  g.set_outputs({g.inputs_of(out.node).at(0)});
  passes::eliminate_dead_nodes(g);
}

// Runs `pipeline` on a graph already loaded with its weights, as load_model
// does: constants folded by the reference kernels, IR dumps as asked.
void run_pipeline_on(ir::Graph& g, const std::string& pipeline, GlobalOptions& global) {
  Registry& reg = registry(global);
  passes::PassContext ctx{reg.ops};
  ctx.evaluate = reference_evaluator(reg);
  passes::PassManagerOptions pm = model_options(global).passes;
  pm.printer = [&reg](const ir::Graph& graph, std::ostream& out) {
    out << ir::print_model(graph, reg.ops);
  };
  passes::run_pipeline(reg.passes, pipeline, g, ctx, pm);
}

std::string class_name(const data::LabeledImages& set, size_t c) {
  return c < set.class_names.size() ? set.class_names[c] : std::string();
}

void print_report(const EvalArgs& a, const std::string& model_name, const data::LabeledImages& set,
                  const training::Evaluation& e, double seconds) {
  const size_t classes = e.confusion.size();
  int64_t correct = 0;
  for (size_t c = 0; c < classes; ++c) correct += e.confusion[c][c];
  std::cout << fmt::format("evaluated {} ({}) with {}\n", model_name, a.model, a.weights);
  std::cout << fmt::format("data {}, {} split: {} images, {} classes\n", a.data, a.split, e.items,
                           classes);
  std::cout << fmt::format("backend {}, batch {}, pipeline {}, {:.2f} s\n\n", a.backend.name,
                           a.batch, a.pipeline, seconds);
  std::cout << fmt::format("accuracy   {:.4f}  ({} of {} correct)\n", e.accuracy, correct, e.items);
  std::cout << fmt::format("mean loss  {:.6f}\n\n", e.loss);

  const bool names = !set.class_names.empty();
  size_t name_width = 4;
  for (const auto& n : set.class_names) name_width = std::max(name_width, n.size());
  const int count_width = std::max<int>(7, static_cast<int>(fmt::format("{}", e.items).size()));
  std::cout << "per class:\n";
  std::cout << fmt::format("  {:>5}  {}{:>{}}  {:>{}}  {:>8}\n", "class",
                           names ? fmt::format("{:<{}}  ", "name", name_width) : "", "items",
                           count_width, "correct", count_width, "accuracy");
  for (size_t c = 0; c < classes; ++c) {
    int64_t items = 0;
    for (int64_t v : e.confusion[c]) items += v;
    const int64_t right = e.confusion[c][c];
    std::cout << fmt::format(
        "  {:>5}  {}{:>{}}  {:>{}}  {:>8}\n", c,
        names ? fmt::format("{:<{}}  ", class_name(set, c), name_width) : "", items, count_width,
        right, count_width,
        items ? fmt::format("{:.4f}", static_cast<double>(right) / static_cast<double>(items))
              : "-");
  }

  if (static_cast<int64_t>(classes) > kMaxPrintedClasses) {
    std::cout << fmt::format(
        "\nconfusion matrix: {} classes, too many to print; --json FILE writes it\n", classes);
    return;
  }
  int64_t largest = static_cast<int64_t>(classes) - 1;
  for (const auto& row : e.confusion)
    for (int64_t v : row) largest = std::max(largest, v);
  const int width = static_cast<int>(fmt::format("{}", largest).size());
  const std::string corner = "true\\pred";
  std::cout << "\nconfusion matrix (rows: true class, columns: predicted class):\n";
  std::cout << "  " << corner;
  for (size_t p = 0; p < classes; ++p) std::cout << fmt::format("  {:>{}}", p, width);
  std::cout << "\n";
  for (size_t t = 0; t < classes; ++t) {
    std::cout << fmt::format("  {:>{}}", t, corner.size());
    for (size_t p = 0; p < classes; ++p)
      std::cout << fmt::format("  {:>{}}", e.confusion[t][p], width);
    std::cout << "\n";
  }
}

nlohmann::json report_json(const EvalArgs& a, const std::string& model_name,
                           const data::LabeledImages& set, const training::Evaluation& e) {
  nlohmann::json per_class = nlohmann::json::array();
  int64_t correct = 0;
  for (size_t c = 0; c < e.confusion.size(); ++c) {
    int64_t items = 0;
    for (int64_t v : e.confusion[c]) items += v;
    const int64_t right = e.confusion[c][c];
    correct += right;
    nlohmann::json entry = {{"class", c}, {"items", items}, {"correct", right}};
    entry["name"] =
        c < set.class_names.size() ? nlohmann::json(set.class_names[c]) : nlohmann::json(nullptr);
    entry["accuracy"] =
        items ? nlohmann::json(static_cast<double>(right) / items) : nlohmann::json(nullptr);
    per_class.push_back(std::move(entry));
  }
  return {{"model", model_name},     {"model_file", a.model}, {"weights", a.weights},
          {"data", a.data},          {"split", a.split},      {"backend", a.backend.name},
          {"pipeline", a.pipeline},  {"items", e.items},      {"correct", correct},
          {"accuracy", e.accuracy},  {"loss", e.loss},        {"classes", per_class},
          {"confusion", e.confusion}};
}

void eval(EvalArgs a, GlobalOptions& global) {
  if (a.weights.empty())
    throw UsageError(
        "eval needs --weights FILE.safetensors (e.g. best.safetensors of a `cnnc train` run)");
  if (a.data.empty())
    throw UsageError("eval needs --data SPEC (idx:DIR, folder:DIR or npy:IMAGES.npy,LABELS.npy)");
  Registry& reg = registry(global);
  find_backend(reg, a.backend.name);
  data::DataSource source;
  try {
    source = data::parse_data_source(a.data);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (!data::has_split(source, a.split))
    throw UsageError(fmt::format("--data {} has no {} split{}", a.data, a.split,
                                 a.split == "test" ? "; evaluate on its training images with "
                                                     "--split train"
                                                   : ""));

  ir::Graph model =
      load_runnable_model(a.model, {.weights = a.weights, .pipeline = "check"}, global);
  const ir::Shape in = image_input_shape(model, "eval");
  if (model.outputs().size() != 1)
    throw UsageError(fmt::format("model '{}' has {} outputs; eval needs one, the class scores",
                                 model.name, model.outputs().size()));
  const ir::Shape out = model.shape_of(model.outputs()[0]);
  if (out.rank() != 2 || !out.has_symbolic_batch())
    throw UsageError(fmt::format("model '{}' outputs {}; eval needs class scores [N, classes]",
                                 model.name, ir::to_string(out)));
  const int64_t classes = out[1];

  data::LabeledImages set = first_items(
      data::load_split(source, a.split, static_cast<int>(in[1]), in[2], in[3]), a.limit);
  if (set.labels.size() == 0) throw std::runtime_error(fmt::format("--data {}: no images", a.data));
  check_fits(model, set, a.split);
  normalize_images(set, a.mean, a.std);
  if (set.classes > classes)
    throw std::runtime_error(
        fmt::format("--data {}: labels go up to {}, but model '{}' scores {} classes (0 to {})",
                    a.data, set.classes - 1, model.name, classes, classes - 1));
  set.classes = classes;  // the confusion matrix covers every class the model predicts

  drop_final_softmax(model);
  run_pipeline_on(model, a.pipeline, global);
  const auto start = std::chrono::steady_clock::now();
  const training::Evaluation e = training::evaluate_model(
      model, reg, a.backend.name, a.backend.compile_options(), set, a.batch);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  print_report(a, model.name, set, e, seconds);
  if (!a.json.empty()) {
    const std::string text = report_json(a, model.name, set, e).dump(2) + "\n";
    write_file_atomically(a.json, std::span<const char>(text.data(), text.size()));
    std::cout << fmt::format("\nwrote {}\n", a.json);
  }
}

}  // namespace

void add_eval_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "eval", "accuracy, loss, per-class accuracy and confusion matrix on labelled images");
  auto a = std::make_shared<EvalArgs>();
  cmd->add_option("model", a->model, "model file (.cnn)")->required();
  cmd->add_option("--weights,-w", a->weights,
                  "weights (safetensors, e.g. a run's best.safetensors)");
  cmd->add_option("--data", a->data,
                  "idx:DIR (MNIST-style), folder:DIR (a subfolder per class) or "
                  "npy:IMAGES.npy,LABELS.npy");
  cmd->add_option("--split", a->split, "which split: test (the default) or train")
      ->check(CLI::IsMember({"test", "train"}));
  cmd->add_option("--batch", a->batch, "images per run (default 64)")->check(CLI::PositiveNumber);
  cmd->add_option("--limit", a->limit, "evaluate the first N images only")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--json", a->json, "also write the results to this file as JSON");
  cmd->add_option("--mean", a->mean, "as cnnc train's: subtracted per channel")->delimiter(',');
  cmd->add_option("--std", a->std, "as cnnc train's: divided by, per channel")->delimiter(',');
  cmd->add_option("--pipeline", a->pipeline,
                  "pass pipeline before compiling (default inference: batchnorm folded, layers "
                  "fused; `cnnc passes` lists them)");
  add_backend_options(*cmd, a->backend);
  cmd->callback([a, &global] { eval(*a, global); });
}

}  // namespace cnnc::cli
