#include "runtime/trainer.h"

#include "runtime/plot.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <future>
#include <iostream>
#include <numeric>
#include <stdexcept>

#include "runtime/checkpoint.h"
#include "runtime/data/random.h"
#include "runtime/file_io.h"
#include "runtime/io_error.h"
#include "runtime/safetensors.h"

namespace cnnc::training {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One stream of random numbers per (seed, purpose, epoch, batch): where a
// run is does not depend on how it got there, which is what makes resuming
// bitwise.
std::mt19937_64 stream(uint64_t seed, uint64_t purpose, uint64_t epoch, uint64_t batch = 0) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(purpose), static_cast<uint32_t>(epoch),
                    static_cast<uint32_t>(batch)};
  return std::mt19937_64(seq);
}

std::vector<int64_t> shuffled_order(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  auto rng = stream(seed, 1, static_cast<uint64_t>(epoch));
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[static_cast<size_t>(i)],
              order[data::uniform_below(rng, static_cast<uint64_t>(i) + 1)]);
  return order;
}

struct Batch {
  ir::Tensor images, labels;
};

// Items `order[begin, end)` as one batch.
Batch gather(const data::LabeledImages& set, std::span<const int64_t> items) {
  ir::Shape shape = set.images.shape();
  const int64_t per_item = set.images.size() / std::max<int64_t>(1, shape[0]);
  shape[0] = static_cast<int64_t>(items.size());
  Batch b{ir::Tensor(shape), ir::Tensor(ir::Shape{shape[0]})};
  for (size_t i = 0; i < items.size(); ++i) {
    std::copy_n(set.images.raw() + items[i] * per_item, per_item,
                b.images.raw() + static_cast<int64_t>(i) * per_item);
    b.labels[static_cast<int64_t>(i)] = set.labels[items[i]];
  }
  return b;
}

int64_t argmax_row(const ir::Tensor& logits, int64_t row) {
  const int64_t k = logits.shape()[1];
  const float* r = logits.raw() + row * k;
  return std::max_element(r, r + k) - r;
}

int64_t correct_predictions(const ir::Tensor& logits, const ir::Tensor& labels) {
  int64_t correct = 0;
  for (int64_t i = 0; i < labels.size(); ++i)
    correct += argmax_row(logits, i) == static_cast<int64_t>(labels[i]);
  return correct;
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::max(0.0, seconds));
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{:02}:{:02}", s / 60, s % 60);
}

nlohmann::json to_json(const EpochMetrics& m) {
  nlohmann::json j{{"epoch", m.epoch},
                   {"train_loss", m.train_loss},
                   {"train_acc", m.train_acc},
                   {"seconds", m.seconds},
                   {"images_per_s", m.images_per_s}};
  if (m.val_loss) j["val_loss"] = *m.val_loss;
  if (m.val_acc) j["val_acc"] = *m.val_acc;
  return j;
}

EpochMetrics metrics_from_json(const nlohmann::json& j) {
  EpochMetrics m{.epoch = j.at("epoch"),
                 .train_loss = j.at("train_loss"),
                 .train_acc = j.at("train_acc"),
                 .seconds = j.at("seconds"),
                 .images_per_s = j.at("images_per_s")};
  if (j.contains("val_loss")) m.val_loss = j["val_loss"].get<double>();
  if (j.contains("val_acc")) m.val_acc = j["val_acc"].get<double>();
  return m;
}

void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& history) {
  std::string csv = "epoch,train_loss,train_acc,val_loss,val_acc,epoch_seconds,images_per_s\n";
  auto opt = [](const std::optional<double>& v) {
    return v ? fmt::format("{:.6f}", *v) : std::string();
  };
  for (const auto& m : history)
    csv += fmt::format("{},{:.6f},{:.6f},{},{},{:.3f},{:.1f}\n", m.epoch, m.train_loss, m.train_acc,
                       opt(m.val_loss), opt(m.val_acc), m.seconds, m.images_per_s);
  write_file_atomically(path, std::span<const char>(csv.data(), csv.size()));
}

Evaluation run_evaluation(backends::Executable& exe, const data::LabeledImages& set,
                          int64_t batch_size, const std::function<bool()>& stop) {
  const int64_t n = set.labels.size(), classes = set.classes;
  Evaluation e;
  e.confusion.assign(static_cast<size_t>(classes), std::vector<int64_t>(classes, 0));
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  double loss_sum = 0;
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    if (stop && stop()) throw TrainingInterrupted("evaluation interrupted");
    const int64_t count = std::min(batch_size, n - begin);
    const Batch b = gather(set, std::span(order).subspan(begin, count));
    const std::vector<ir::Tensor> inputs{b.images, b.labels};
    const auto out = exe.run(inputs);
    loss_sum += double{out[0][0]} * static_cast<double>(count);
    for (int64_t i = 0; i < count; ++i) {
      const auto truth = static_cast<size_t>(b.labels[i]);
      const auto predicted = argmax_row(out[1], i);
      if (truth < e.confusion.size() && predicted < classes)
        ++e.confusion[truth][static_cast<size_t>(predicted)];
      e.accuracy += static_cast<int64_t>(truth) == predicted;
    }
  }
  e.items = n;
  e.loss = n ? loss_sum / static_cast<double>(n) : 0.0;
  e.accuracy = n ? e.accuracy / static_cast<double>(n) : 0.0;
  return e;
}

}  // namespace

struct Trainer::Impl {
  Registry& registry;
  TrainOptions options;
  ir::Graph model;
  passes::TrainingGraph training;
  ir::Graph evaluation;
  std::unique_ptr<backends::Executable> step_exe, eval_exe;
  // The current value of every Param node of the training graph.
  std::map<std::string, ir::Tensor> state;

  // Progress through the run: the next batch of epoch `epoch` (0-based).
  int64_t epoch = 0, next_batch = 0, steps = 0;
  double last_lr = 0;
  double loss_sum = 0, epoch_seconds = 0;
  int64_t correct = 0, seen = 0;
  double best_val_acc = -1;
  std::vector<EpochMetrics> history;
  std::map<std::string, backends::KernelTiming> profile;  // summed over the profiled steps
  int64_t profiled_steps = 0;
  bool profile_written = false;

  // Dropout's masks depend on the run's seed too, not only on each layer's
  // `seed` attribute: the forward and its gradient get the same mixed seed.
  static void seed_dropout(ir::Graph& g, uint64_t run_seed) {
    for (ir::NodeId id : g.topological_order()) {
      ir::Node& n = g.node(id);
      if (n.kind != ir::NodeKind::Op || (n.op != "dropout" && n.op != "dropout_grad")) continue;
      const uint64_t layer =
          n.attrs.has("seed") ? static_cast<uint64_t>(n.attrs.get_int("seed")) : 0;
      n.attrs.set("seed",
                  static_cast<int64_t>((layer + run_seed * 0x9E3779B97F4A7C15ull) & 0x7FFFFFFFull));
    }
  }

  Impl(const ir::Graph& m, Registry& r, TrainOptions o)
      : registry(r), options(std::move(o)), model(m) {
    if (options.epochs < 1 || options.batch < 1)
      throw std::invalid_argument("epochs and batch size must be at least 1");
    training = passes::make_training_graph(model, registry.ops, options.optimizer, options.freeze);
    seed_dropout(training.graph, options.seed);
    evaluation = passes::make_evaluation_graph(model, registry.ops);
    backends::Backend& backend = find_backend();
    step_exe = backend.compile(training.graph, options.compile);
    eval_exe = backend.compile(evaluation, options.compile);
    for (ir::NodeId p : training.graph.param_nodes())
      state.emplace(training.graph.node(p).name, *training.graph.node(p).value);
  }

  backends::Backend& find_backend() const {
    backends::Backend* b = registry.backends.find(options.backend);
    if (!b) throw std::invalid_argument(fmt::format("no backend '{}'", options.backend));
    return *b;
  }

  std::string path(const char* file) const { return (fs::path(options.run_dir) / file).string(); }

  void set_scalar(const std::string& name, double value) {
    auto it = state.find(name);
    if (it == state.end()) return;  // unused by this optimizer: removed from the graph
    it->second[0] = static_cast<float>(value);
    step_exe->set_param(name, it->second.data());
  }

  int64_t batches_per_epoch(int64_t items) const {
    return (items + options.batch - 1) / options.batch;
  }

  static constexpr int64_t kProfileFirstStep = 5, kProfileSteps = 20;
  bool profiling() const {
    return options.profile && steps >= kProfileFirstStep &&
           steps < kProfileFirstStep + kProfileSteps;
  }
  std::vector<ir::Tensor> run_profiled(std::span<const ir::Tensor> inputs) {
    std::vector<backends::KernelTiming> timings;
    std::vector<ir::Tensor> out = step_exe->run_profiled(inputs, timings);
    for (const auto& t : timings) {
      auto [it, fresh] = profile.try_emplace(t.name, t);
      if (!fresh) it->second.seconds += t.seconds;
    }
    ++profiled_steps;
    return out;
  }
  // The kernels of the training step by time per step, slowest first.
  void write_profile(std::ostream& log) const {
    std::vector<backends::KernelTiming> rows;
    double total = 0;
    for (const auto& [name, t] : profile) rows.push_back(t), total += t.seconds;
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.seconds > b.seconds; });
    const double steps = static_cast<double>(profiled_steps);
    log << fmt::format("training step: {:.3f} ms in {} kernels (mean of {} steps)\n",
                       1e3 * total / steps, rows.size(), profiled_steps);
    for (const auto& t : rows) {
      const double ms = 1e3 * t.seconds / steps;
      log << fmt::format("  {:>8.3f} ms {:5.1f}%  {:<28} {}", ms, 100 * t.seconds / total, t.name,
                         t.op);
      if (t.macs > 0) log << fmt::format("  {:.1f} GFLOP/s", 2e-6 * double(t.macs) / ms);
      log << "\n";
    }
  }

  // One optimizer step; returns the batch's loss.
  double step(const Batch& batch, int64_t per_epoch) {
    last_lr = options.lr.at(steps, per_epoch, options.epochs);
    set_scalar(training.learning_rate, last_lr);
    set_scalar(training.step, static_cast<double>(steps + 1));
    const std::vector<ir::Tensor> inputs{batch.images, batch.labels};
    std::vector<ir::Tensor> out = profiling() ? run_profiled(inputs) : step_exe->run(inputs);
    const double loss = out[passes::TrainingGraph::kLossOutput][0];
    if (!std::isfinite(loss)) throw std::runtime_error(diagnose_non_finite(inputs, loss));
    correct += correct_predictions(out[passes::TrainingGraph::kLogitsOutput], batch.labels);
    for (const auto& u : training.updates) {
      step_exe->set_param(u.param, out[u.output].data());
      state.at(u.param) = std::move(out[u.output]);
    }
    ++steps;
    return loss;
  }

  // Reruns the failing step with every op's output kept, on the same
  // backend, and names the first op (in execution order) whose output holds
  // a NaN or infinity.
  std::string diagnose_non_finite(const std::vector<ir::Tensor>& inputs, double loss) {
    std::string where = fmt::format("training stopped at epoch {}, step {}: the loss is {}",
                                    epoch + 1, steps + 1, loss);
    for (const auto& t : inputs)
      for (float v : t.data())
        if (!std::isfinite(v)) return where + "; the input batch itself holds non-finite values";
    ir::Graph g = training.graph;
    std::vector<ir::TensorRef> outs;
    std::vector<ir::NodeId> ops;
    for (ir::NodeId id : g.topological_order()) {
      ir::Node& n = g.node(id);
      if (n.kind == ir::NodeKind::Param) *n.value = state.at(n.name);
      if (n.kind == ir::NodeKind::Op) outs.push_back({id, 0}), ops.push_back(id);
    }
    g.set_outputs(outs);
    try {
      const auto values = find_backend().compile(g, options.compile)->run(inputs);
      for (size_t i = 0; i < values.size(); ++i)
        for (float v : values[i].data())
          if (!std::isfinite(v)) {
            const ir::Node& n = g.node(ops[i]);
            return where + fmt::format(
                               "; the first non-finite value is in the output of layer '{}' "
                               "(op {}, {}); try a lower learning rate",
                               n.name, n.op, n.source.describe());
          }
    } catch (const std::exception& e) {
      return where + fmt::format(" (finding the first non-finite op failed: {})", e.what());
    }
    return where;
  }

  void save(bool epoch_finished) {
    if (options.run_dir.empty()) return;
    nlohmann::json s{{"format", 1},
                     {"model", model.name},
                     {"epoch", epoch},
                     {"next_batch", next_batch},
                     {"steps", steps},
                     {"loss_sum", loss_sum},
                     {"correct", correct},
                     {"seen", seen},
                     {"epoch_seconds", epoch_seconds},
                     {"best_val_acc", best_val_acc},
                     {"config", options.config}};
    s["history"] = nlohmann::json::array();
    for (const auto& m : history) s["history"].push_back(to_json(m));
    // The epoch's files first, the checkpoint last: writing it commits the
    // epoch. Killed before, a resume redoes the epoch and rewrites the same
    // files; killed after, they are complete.
    if (epoch_finished) {
      write_metrics_csv(path("metrics.csv"), history);
      plot_training_curves(history, path("curves.png"));
      safetensors::write(path("last.safetensors"), model_weights());
    }
    write_checkpoint(path("checkpoint.safetensors"), {state, s});
  }

  void restore() {
    const std::string file = path("checkpoint.safetensors");
    Checkpoint c = read_checkpoint(file);
    for (const auto& [name, value] : state) {
      auto it = c.tensors.find(name);
      if (it == c.tensors.end() || it->second.shape() != value.shape())
        throw std::runtime_error(fmt::format(
            "{}: {} tensor '{}'{}: the checkpoint was written for another model, optimizer or "
            "set of frozen layers",
            file, it == c.tensors.end() ? "no" : "a differently shaped", name,
            it == c.tensors.end() ? "" : " " + ir::to_string(it->second.shape())));
    }
    try {
      const auto& s = c.state;
      epoch = s.at("epoch");
      next_batch = s.at("next_batch");
      steps = s.at("steps");
      loss_sum = s.at("loss_sum");
      correct = s.at("correct");
      seen = s.at("seen");
      epoch_seconds = s.at("epoch_seconds");
      best_val_acc = s.at("best_val_acc");
      history.clear();
      for (const auto& m : s.at("history")) history.push_back(metrics_from_json(m));
    } catch (const nlohmann::json::exception& e) {
      throw IoError(fmt::format("{}: malformed training state: {}", file, e.what()));
    }
    for (auto& [name, value] : state) {
      value = std::move(c.tensors.at(name));
      step_exe->set_param(name, value.data());
    }
  }

  std::map<std::string, ir::Tensor> model_weights() const {
    std::map<std::string, ir::Tensor> w;
    for (ir::NodeId p : model.param_nodes()) {
      const std::string& name = model.node(p).name;
      auto it = state.find(name);
      w.emplace(name, it != state.end() ? it->second : *model.node(p).value);
    }
    return w;
  }

  Evaluation evaluate(const data::LabeledImages& set, bool interruptible = true) {
    for (ir::NodeId p : evaluation.param_nodes()) {
      const std::string& name = evaluation.node(p).name;
      if (auto it = state.find(name); it != state.end())
        eval_exe->set_param(name, it->second.data());
    }
    return run_evaluation(*eval_exe, set, options.batch,
                          interruptible ? options.stop_requested : std::function<bool()>());
  }

  void progress(std::ostream& log, int64_t batch, int64_t per_epoch, double elapsed) const {
    if (!options.progress_bar) return;
    const int width = 24;
    const int filled = static_cast<int>(width * (batch + 1) / per_epoch);
    const double rate = static_cast<double>(seen) / std::max(elapsed, 1e-9);
    const double left =
        elapsed / static_cast<double>(batch + 1) * static_cast<double>(per_epoch - batch - 1);
    log << fmt::format("\repoch {}/{} [{}{}] {}/{} loss {:.4f} {:.0f} img/s ETA {}  ", epoch + 1,
                       options.epochs, std::string(static_cast<size_t>(filled), '='),
                       std::string(static_cast<size_t>(width - filled), ' '), batch + 1, per_epoch,
                       loss_sum / static_cast<double>(std::max<int64_t>(seen, 1)), rate,
                       format_duration(left))
        << std::flush;
  }

  std::vector<EpochMetrics> fit(const data::LabeledImages& train,
                                const data::LabeledImages* validation, std::ostream& log) {
    if (train.labels.size() == 0) throw std::invalid_argument("the training set is empty");
    if (!options.run_dir.empty()) fs::create_directories(options.run_dir);
    const int64_t n = train.labels.size(), per_epoch = batches_per_epoch(n);
    for (; epoch < options.epochs; ++epoch) {
      const std::vector<int64_t> order = shuffled_order(n, options.seed, epoch);
      // The next batch is gathered and augmented on another thread while
      // this one trains; each depends only on (seed, epoch, batch).
      auto prepare = [&, e = epoch](int64_t b) {
        const int64_t begin = b * options.batch, count = std::min(options.batch, n - begin);
        Batch batch = gather(train, std::span(order).subspan(begin, count));
        if (options.augment.enabled()) {
          auto rng = stream(options.seed, 2, static_cast<uint64_t>(e), static_cast<uint64_t>(b));
          data::augment(batch.images, options.augment, rng);
        }
        return batch;
      };
      const Clock::time_point start = Clock::now();
      const double seconds_before = epoch_seconds;
      std::future<Batch> next;
      if (next_batch < per_epoch) next = std::async(std::launch::async, prepare, next_batch);
      while (next_batch < per_epoch) {
        Batch batch = next.get();
        if (next_batch + 1 < per_epoch)
          next = std::async(std::launch::async, prepare, next_batch + 1);
        const double loss = step(batch, per_epoch);
        loss_sum += loss * static_cast<double>(batch.labels.size());
        seen += batch.labels.size();
        if (options.log_every > 0 && steps % options.log_every == 0) {
          if (options.progress_bar) std::cerr << "\r" << std::string(100, ' ') << "\r";
          log << fmt::format("step {}: loss {:.7g}, lr {:.6g}\n", steps, loss, last_lr)
              << std::flush;
        }
        ++next_batch;
        epoch_seconds = seconds_before + seconds_since(start);
        progress(std::cerr, next_batch - 1, per_epoch, epoch_seconds);
        if (options.stop_requested && options.stop_requested() && next_batch < per_epoch) {
          if (next.valid()) next.wait();
          save(false);
          if (options.progress_bar) std::cerr << "\n";
          throw TrainingInterrupted(fmt::format(
              "stopped during epoch {} after batch {} of {}; the checkpoint in {} continues it "
              "with --resume",
              epoch + 1, next_batch, per_epoch, options.run_dir));
        }
      }
      if (options.progress_bar) std::cerr << "\r" << std::string(100, ' ') << "\r";
      EpochMetrics m{.epoch = epoch + 1,
                     .train_loss = loss_sum / static_cast<double>(seen),
                     .train_acc = static_cast<double>(correct) / static_cast<double>(seen),
                     .seconds = epoch_seconds,
                     .images_per_s = static_cast<double>(seen) / epoch_seconds};
      if (validation && validation->labels.size() > 0) {
        // Not interruptible: a stop request is honoured once the epoch's
        // checkpoint is written, just after.
        const Evaluation v = evaluate(*validation, /*interruptible=*/false);
        m.val_loss = v.loss;
        m.val_acc = v.accuracy;
      }
      history.push_back(m);
      log << fmt::format("epoch {}/{}: train loss {:.4f} acc {:.2f}%", m.epoch, options.epochs,
                         m.train_loss, 100 * m.train_acc);
      if (m.val_acc)
        log << fmt::format(", val loss {:.4f} acc {:.2f}%", *m.val_loss, 100 * *m.val_acc);
      log << fmt::format(", {:.1f} s, {:.0f} img/s\n", m.seconds, m.images_per_s) << std::flush;
      if (options.profile && profiled_steps > 0 && !profile_written) {
        write_profile(log);
        profile_written = true;
      }
      const double score = m.val_acc.value_or(m.train_acc);
      const bool best = score > best_val_acc;
      if (best) best_val_acc = score;
      // The epoch is complete: the checkpoint now points at the next one.
      const int64_t finished = epoch;
      epoch = finished + 1;
      next_batch = 0;
      loss_sum = 0, correct = 0, seen = 0, epoch_seconds = 0;
      if (best && !options.run_dir.empty())
        safetensors::write(path("best.safetensors"), model_weights());
      save(true);
      epoch = finished;  // the loop's ++epoch moves on
      if (options.stop_requested && options.stop_requested() && epoch + 1 < options.epochs)
        throw TrainingInterrupted(
            fmt::format("stopped after epoch {}; the checkpoint in {} continues it with --resume",
                        epoch + 1, options.run_dir));
    }
    return history;
  }
};

Trainer::Trainer(const ir::Graph& model, Registry& registry, TrainOptions options)
    : impl_(std::make_unique<Impl>(model, registry, std::move(options))) {}
Trainer::~Trainer() = default;

void Trainer::resume() {
  impl_->restore();
}
std::vector<EpochMetrics> Trainer::fit(const data::LabeledImages& train,
                                       const data::LabeledImages* validation, std::ostream& log) {
  return impl_->fit(train, validation, log);
}
Evaluation Trainer::evaluate(const data::LabeledImages& images) {
  return impl_->evaluate(images);
}
std::map<std::string, ir::Tensor> Trainer::model_weights() const {
  return impl_->model_weights();
}
int64_t Trainer::epochs_done() const {
  return impl_->epoch;
}

Evaluation evaluate_model(const ir::Graph& model, Registry& registry, const std::string& backend,
                          const backends::CompileOptions& compile,
                          const data::LabeledImages& images, int64_t batch) {
  backends::Backend* b = registry.backends.find(backend);
  if (!b) throw std::invalid_argument(fmt::format("no backend '{}'", backend));
  auto exe = b->compile(passes::make_evaluation_graph(model, registry.ops), compile);
  return run_evaluation(*exe, images, batch, {});
}

}  // namespace cnnc::training
