// `cnnc train MODEL --data SPEC ...`: trains a classifier (runtime/trainer.h)
// and writes a run directory; `--resume DIR` continues one from its
// checkpoint with the options it was started with.
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <iostream>

#include "backends/halide/halide_backend.h"
#include "runtime/checkpoint.h"
#include "runtime/data/source.h"
#include "runtime/data/split.h"
#include "runtime/trainer.h"
#include "runtime/weights.h"
#include "tools/cnnc/command.h"
#include "tools/cnnc/data_options.h"
#include "tools/cnnc/run_options.h"

namespace cnnc::cli {

namespace {

// Set by SIGINT/SIGTERM; the trainer polls it after every step.
volatile std::sig_atomic_t stop_signal = 0;
extern "C" void request_stop(int) {
  stop_signal = 1;
}

struct TrainArgs {
  std::string model, data, out, resume, weights, weights_from, init = "he", optimizer = "sgd";
  std::string schedule = "constant", augment = "none";
  std::string backend;  // empty: halide when it lowers the whole training graph, else reference
  std::string image_size;
  std::vector<std::string> freeze;
  std::vector<float> mean, std;
  int64_t epochs = 10, batch = 64, limit = 0, log_every = 0;
  int device = -1;  // the vulkan backend's device; -1: its default choice
  double lr = 0.01, momentum = 0, weight_decay = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double warmup = 0, val_split = 0;
  bool nesterov = false, no_progress = false, profile = false;
  uint64_t seed = 0;
  int threads = 0;

  nlohmann::json to_json() const {
    return {{"model", model},
            {"data", data},
            {"weights", weights},
            {"init", init},
            {"optimizer", optimizer},
            {"schedule", schedule},
            {"augment", augment},
            {"backend", backend},
            {"freeze", freeze},
            {"epochs", epochs},
            {"batch", batch},
            {"limit", limit},
            {"lr", lr},
            {"momentum", momentum},
            {"weight_decay", weight_decay},
            {"beta1", beta1},
            {"beta2", beta2},
            {"eps", eps},
            {"warmup", warmup},
            {"val_split", val_split},
            {"nesterov", nesterov},
            {"seed", seed},
            {"threads", threads},
            {"weights_from", weights_from},
            {"mean", mean},
            {"std", std}};
  }
  void from_json(const nlohmann::json& j) {
    j.at("model").get_to(model), j.at("data").get_to(data), j.at("weights").get_to(weights);
    j.at("init").get_to(init), j.at("optimizer").get_to(optimizer);
    j.at("schedule").get_to(schedule), j.at("augment").get_to(augment);
    j.at("backend").get_to(backend), j.at("freeze").get_to(freeze);
    j.at("epochs").get_to(epochs), j.at("batch").get_to(batch), j.at("limit").get_to(limit);
    j.at("lr").get_to(lr), j.at("momentum").get_to(momentum);
    j.at("weight_decay").get_to(weight_decay), j.at("beta1").get_to(beta1);
    j.at("beta2").get_to(beta2), j.at("eps").get_to(eps), j.at("warmup").get_to(warmup);
    j.at("val_split").get_to(val_split), j.at("nesterov").get_to(nesterov);
    j.at("seed").get_to(seed), j.at("threads").get_to(threads);
    // Runs started before --weights-from existed do not store it.
    weights_from = j.value("weights_from", std::string());
    mean = j.value("mean", std::vector<float>());
    std = j.value("std", std::vector<float>());
  }
};

passes::OptimizerSpec optimizer_spec(const TrainArgs& a) {
  passes::OptimizerSpec o;
  o.kind = a.optimizer == "sgd"    ? passes::OptimizerSpec::Kind::Sgd
           : a.optimizer == "adam" ? passes::OptimizerSpec::Kind::Adam
                                   : passes::OptimizerSpec::Kind::AdamW;
  o.momentum = a.momentum;
  o.nesterov = a.nesterov;
  o.weight_decay = a.weight_decay;
  o.beta1 = a.beta1, o.beta2 = a.beta2, o.eps = a.eps;
  if (a.nesterov && a.momentum == 0) throw UsageError("--nesterov needs --momentum");
  if (a.optimizer != "sgd" && (a.momentum != 0 || a.nesterov))
    throw UsageError(
        fmt::format("--momentum and --nesterov are SGD's; {} has --beta1/--beta2", a.optimizer));
  return o;
}

// The fast backend when it has a lowering for every op of the training
// graph (built-in models do), else the reference backend, saying why.
std::string default_backend(const ir::Graph& model, Registry& reg, const TrainArgs& args) {
  const passes::TrainingGraph t =
      passes::make_training_graph(model, reg.ops, optimizer_spec(args), args.freeze);
  const std::vector<std::string> lowered = backends::halide::lowered_ops();
  for (ir::NodeId id : t.graph.topological_order()) {
    const ir::Node& n = t.graph.node(id);
    if (n.kind != ir::NodeKind::Op || std::binary_search(lowered.begin(), lowered.end(), n.op))
      continue;
    std::cerr << fmt::format(
        "cnnc: training on the reference backend: the halide backend has no lowering for "
        "'{}' (layer '{}'); --backend chooses\n",
        n.op, n.name);
    return "reference";
  }
  return "halide";
}

void train(TrainArgs args, const std::string& resume_dir, bool epochs_given,
           GlobalOptions& global) {
  const std::string checkpoint =
      (std::filesystem::path(resume_dir) / "checkpoint.safetensors").string();
  if (!resume_dir.empty()) {
    const int64_t epochs = args.epochs;
    const std::string model = args.model;
    std::error_code ec;
    if (!std::filesystem::exists(checkpoint, ec) &&
        std::filesystem::exists(training::previous_checkpoint_path(checkpoint), ec))
      throw IoError(fmt::format(
          "cannot open '{}': the run was stopped while replacing it; the one before it, {}, is "
          "intact: rename it to {} to resume from there",
          checkpoint, training::previous_checkpoint_path(checkpoint), checkpoint));
    if (!std::filesystem::exists(checkpoint, ec))
      throw IoError(
          fmt::format("cannot open '{}': {} has no checkpoint yet (the run stopped "
                      "before its first); start it again without --resume",
                      checkpoint, resume_dir));
    training::Checkpoint c = training::read_checkpoint(checkpoint);
    try {
      args.from_json(c.state.at("config"));
    } catch (const nlohmann::json::exception& e) {
      throw IoError(
          fmt::format("{}: the run's options are missing or malformed: {}", checkpoint, e.what()));
    }
    if (epochs_given) args.epochs = epochs;
    if (!model.empty() && model != args.model)
      std::cerr << fmt::format("cnnc: note: the run was started with {}; continuing with {}\n",
                               args.model, model);
    if (!model.empty()) args.model = model;
    args.out = resume_dir;
  }
  if (args.data.empty())
    throw UsageError("--data is required (e.g. idx:/usr/share/datasets/fashion-mnist)");
  if (args.out.empty()) throw UsageError("--out DIR is required: where checkpoints and metrics go");
  if (!(args.val_split >= 0 && args.val_split < 1))
    throw UsageError("--val-split must be in [0, 1)");
  if (!(args.lr > 0)) throw UsageError("--lr must be positive");

  if (!args.weights.empty() && !args.weights_from.empty())
    throw UsageError(
        "give --weights (every parameter) or --weights-from (those whose name and shape "
        "match), not both");

  ModelOptions mo = model_options(global);
  mo.pipeline = "check";  // training needs the layers as written: no folding or fusion
  // A resumed run takes every parameter from its checkpoint, so the files
  // --weights and --weights-from named need not exist any more.
  if (!args.weights.empty() && resume_dir.empty())
    mo.weights = args.weights;
  else
    mo.init = args.init;
  mo.seed = args.seed;
  ir::Graph model = load_model(args.model, registry(global), mo);
  if (!args.weights_from.empty() && resume_dir.empty())
    std::cerr << "cnnc: "
              << load_matching_weights(model, args.weights_from).summary(args.weights_from) << "\n";

  const ir::Shape in = image_input_shape(model, "training");
  check_image_size(args.image_size, in, model.name);
  const data::DataSource source = data::parse_data_source(args.data);
  data::LabeledImages train_set = first_items(
      data::load_split(source, "train", static_cast<int>(in[1]), in[2], in[3]), args.limit);
  std::optional<data::LabeledImages> validation;
  if (args.val_split > 0) {
    auto [t, v] = data::split_validation(train_set, args.val_split, args.seed);
    train_set = std::move(t);
    validation = std::move(v);
  } else if (data::has_split(source, "test")) {
    validation = data::load_split(source, "test", static_cast<int>(in[1]), in[2], in[3]);
  }
  check_fits(model, train_set, "training");
  if (validation) check_fits(model, *validation, "validation");
  normalize_images(train_set, args.mean, args.std);
  if (validation) normalize_images(*validation, args.mean, args.std);

  if (args.backend.empty()) args.backend = default_backend(model, registry(global), args);

  training::TrainOptions o;
  o.backend = args.backend;
  o.compile.threads = args.threads;
  o.compile.device = args.device;
  o.log_every = args.log_every;
  o.epochs = args.epochs;
  o.batch = args.batch;
  o.optimizer = optimizer_spec(args);
  o.lr.base = args.lr;
  o.lr.warmup_epochs = args.warmup;
  training::parse_lr_schedule(args.schedule, o.lr);
  o.seed = args.seed;
  o.freeze = args.freeze;
  o.augment = data::parse_augmentation(args.augment);
  o.run_dir = args.out;
  o.progress_bar = !args.no_progress && isatty(STDERR_FILENO);
  o.profile = args.profile;
  o.stop_requested = [] { return stop_signal != 0; };
  o.config = args.to_json();

  training::Trainer trainer(model, registry(global), o);
  if (!resume_dir.empty()) trainer.resume();
  std::cout << fmt::format(
      "training {} on {} ({} images{}), {} epochs of batch {}, {} lr {}, backend {}\n", model.name,
      args.data, train_set.labels.size(),
      validation ? fmt::format(", {} for validation", validation->labels.size()) : "", args.epochs,
      args.batch, args.optimizer, o.lr.describe(), args.backend);
  if (trainer.epochs_done() >= args.epochs) {
    std::cout << fmt::format(
        "the run in {} has done its {} epochs already; --epochs N continues "
        "it to N\n",
        args.out, trainer.epochs_done());
    return;
  }
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  try {
    trainer.fit(train_set, validation ? &*validation : nullptr, std::cout);
  } catch (const training::TrainingInterrupted& e) {
    std::cout << e.what() << "\n";
    throw ExitStatus{130};
  }
  std::cout << fmt::format("done: {} has metrics.csv, best.safetensors, last.safetensors\n",
                           args.out);
}

}  // namespace

void add_train_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("train", "train a classifier on labelled images");
  auto a = std::make_shared<TrainArgs>();
  auto resume = std::make_shared<std::string>();
  cmd->add_option("model", a->model, "model file (.cnn)");
  cmd->add_option("--data", a->data,
                  "idx:DIR (MNIST-style), folder:DIR (a subfolder per class) or "
                  "npy:IMAGES.npy,LABELS.npy");
  cmd->add_option("--out,-o", a->out, "run directory: checkpoints, metrics.csv, weights");
  cmd->add_option("--resume", *resume, "continue the run in this directory from its checkpoint");
  auto* epochs =
      cmd->add_option("--epochs", a->epochs, "epochs (default 10)")->check(CLI::PositiveNumber);
  cmd->add_option("--batch", a->batch, "batch size (default 64)")->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", a->optimizer, "sgd, adam or adamw (default sgd)")
      ->check(CLI::IsMember({"sgd", "adam", "adamw"}));
  cmd->add_option("--lr", a->lr, "learning rate (default 0.01)");
  cmd->add_option("--momentum", a->momentum, "SGD momentum (default 0)");
  cmd->add_flag("--nesterov", a->nesterov, "Nesterov momentum");
  cmd->add_option("--weight-decay", a->weight_decay,
                  "L2 penalty (SGD, Adam) or decoupled decay (AdamW); default 0");
  cmd->add_option("--beta1", a->beta1, "Adam's first-moment decay (default 0.9)");
  cmd->add_option("--beta2", a->beta2, "Adam's second-moment decay (default 0.999)");
  cmd->add_option("--eps", a->eps, "Adam's epsilon (default 1e-8)");
  cmd->add_option("--schedule", a->schedule,
                  "learning-rate schedule: constant, step:EPOCHS:GAMMA or cosine");
  cmd->add_option("--warmup", a->warmup, "epochs of linear learning-rate warm-up");
  cmd->add_option("--image-size", a->image_size,
                  "N or HxW: the size images are resized to (folder: data), which must be the "
                  "model input's");
  cmd->add_option("--mean", a->mean,
                  "subtracted from the pixels (in [0, 1]) per channel, or one value for all; "
                  "eval and run need the same")
      ->delimiter(',');
  cmd->add_option("--std", a->std, "the pixels are then divided by it, per channel or one value")
      ->delimiter(',');
  cmd->add_option("--augment", a->augment,
                  "comma-separated: shift=PIXELS, crop=PADDING, flip, elastic[=ALPHA:SIGMA]");
  cmd->add_option("--val-split", a->val_split,
                  "fraction of the training images held out for validation (default: the data's "
                  "test split, if it has one)");
  cmd->add_option("--limit", a->limit, "train on the first N training images only");
  cmd->add_option("--weights,-w", a->weights, "start from these weights (safetensors)");
  cmd->add_option("--weights-from", a->weights_from,
                  "fine-tuning: initialize (--init, --seed), then load the tensors of this "
                  "safetensors file whose name and shape match a parameter (e.g. all but a new "
                  "head); see --freeze");
  cmd->add_option("--init", a->init,
                  "initialization without --weights (with --weights-from, of the parameters it "
                  "does not set): he or xavier")
      ->check(CLI::IsMember({"he", "xavier"}));
  cmd->add_option("--freeze", a->freeze, "layers or blocks not to train (comma-separated)")
      ->delimiter(',');
  cmd->add_option("--seed", a->seed, "seed of initialization, shuffling and augmentation");
  cmd->add_option("--backend,-b", a->backend,
                  "halide (the default when it runs every op of the training graph), vulkan "
                  "or reference");
  cmd->add_option("--threads", a->threads, "worker threads (default: every core)");
  cmd->add_option("--device", a->device,
                  "device index for --backend vulkan (`cnnc devices`; default: discrete > "
                  "integrated > virtual > CPU)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--log-every", a->log_every,
                  "print the loss and learning rate of every Nth optimizer step")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--no-progress", a->no_progress, "no progress bar");
  cmd->add_flag("--profile", a->profile,
                "time each kernel of the training step (steps 5-24) and list them after epoch 1");
  cmd->callback([=, &global] {
    if (a->model.empty() && resume->empty()) throw UsageError("train needs a model file");
    train(*a, *resume, epochs->count() > 0, global);
  });
}

}  // namespace cnnc::cli
