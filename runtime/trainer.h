// Training a classifier: epochs of seeded shuffled batches through the
// training graph (passes/training_graph.h) on any backend, validation,
// metrics, checkpoints and resuming.
//
// Reproducible: the batch order of epoch e and the augmentation of batch b
// depend only on (seed, e, b), and every tensor that changes is in the
// checkpoint, so a run resumed from a checkpoint continues bit for bit as
// if it had not stopped (same backend and threads). A run directory holds
//   checkpoint.safetensors       parameters, optimizer state, progress
//   checkpoint.prev.safetensors  the one before it
//   best.safetensors             the model's weights with the best validation accuracy
//   last.safetensors             the model's weights after the last epoch
//   metrics.csv                  one line per epoch
// each written atomically.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "ir/graph.h"
#include "passes/training_graph.h"
#include "runtime/data/augment.h"
#include "runtime/data/idx.h"
#include "runtime/lr_schedule.h"
#include "runtime/registry.h"

namespace cnnc::training {

struct TrainOptions {
  std::string backend = "reference";
  backends::CompileOptions compile;
  int64_t epochs = 10;
  int64_t batch = 64;
  passes::OptimizerSpec optimizer;
  LrSchedule lr;
  uint64_t seed = 0;
  std::vector<std::string> freeze;  // layers or blocks not trained
  data::Augmentation augment;
  std::string run_dir;        // empty: nothing is written
  bool progress_bar = false;  // redrawn on stderr after every step
  // Writes "step S: loss L, lr R" to the log after every Nth step (0: never),
  // to compare runs step by step (backends, seeds).
  int64_t log_every = 0;
  // Times each kernel of the training step over steps 5..24 of the run and
  // writes the slowest ones to the log after the first epoch.
  bool profile = false;
  // Polled after every step; true stops the run after writing a checkpoint.
  std::function<bool()> stop_requested;
  // Stored in the checkpoint for `--resume` to rebuild the run from.
  nlohmann::json config;
};

struct EpochMetrics {
  int64_t epoch = 0;  // 1-based
  double train_loss = 0, train_acc = 0;
  std::optional<double> val_loss, val_acc;
  double seconds = 0, images_per_s = 0;
};

struct Evaluation {
  double loss = 0, accuracy = 0;
  int64_t items = 0;
  // confusion[true class][predicted class]
  std::vector<std::vector<int64_t>> confusion;
};

// Training stopped on purpose (stop_requested) after a checkpoint.
struct TrainingInterrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Trainer {
 public:
  // `model` has its parameters' values (loaded or initialized).
  Trainer(const ir::Graph& model, Registry& registry, TrainOptions options);
  ~Trainer();

  // Continues from `<run_dir>/checkpoint.safetensors`; throws IoError for
  // an unreadable checkpoint and std::runtime_error for one written for
  // another model or optimizer.
  void resume();
  // Trains until `epochs` epochs are done; returns every epoch's metrics
  // (those before a resume too). Throws std::runtime_error naming the first
  // op with a non-finite output when the loss stops being finite, and
  // TrainingInterrupted when stopped.
  std::vector<EpochMetrics> fit(const data::LabeledImages& train,
                                const data::LabeledImages* validation, std::ostream& log);
  Evaluation evaluate(const data::LabeledImages& images);
  // The model's current parameters by name (what best.safetensors holds).
  std::map<std::string, ir::Tensor> model_weights() const;
  int64_t epochs_done() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Evaluates a model with its weights on labeled images (`cnnc eval`).
Evaluation evaluate_model(const ir::Graph& model, Registry& registry, const std::string& backend,
                          const backends::CompileOptions& compile,
                          const data::LabeledImages& images, int64_t batch);

}  // namespace cnnc::training
