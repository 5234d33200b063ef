// The trainer on the reference backend with a generated data set (a bright
// blob in one of four quadrants): loss falls and accuracy rises with each
// optimizer; a run stopped mid-epoch and resumed ends bit for bit where an
// uninterrupted one does; frozen layers keep their weights; a corrupted
// or truncated checkpoint is refused and the previous one kept; a diverging
// run names the first op whose output stopped being finite.
#include "runtime/trainer.h"

#include <fstream>
#include <random>
#include <sstream>

#include "runtime/checkpoint.h"
#include "runtime/model.h"
#include "tests/runtime/test_util.h"

namespace cnnc::testing {
namespace {

data::LabeledImages quadrants(int64_t n, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> noise(0.0f, 0.3f);
  data::LabeledImages set{ir::Tensor(ir::Shape{n, 1, 6, 6}), ir::Tensor(ir::Shape{n}), 4, {}};
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % 4, y0 = label / 2 * 3, x0 = label % 2 * 3;
    set.labels[i] = static_cast<float>(label);
    for (int64_t y = 0; y < 6; ++y)
      for (int64_t x = 0; x < 6; ++x) {
        const bool blob = y >= y0 && y < y0 + 2 && x >= x0 && x < x0 + 2;
        set.images[(i * 6 + y) * 6 + x] = noise(rng) + (blob ? 0.7f : 0.0f);
      }
  }
  return set;
}

class Trainer : public ::testing::Test {
 protected:
  ir::Graph model() {
    const std::string path = dir_.file("quad.cnn");
    std::ofstream(path) << R"(
model quad
input x [N, 1, 6, 6]
conv2d c filters=4 kernel=3 pad=1 act=relu
maxpool p kernel=2
flatten f
dense d units=4
softmax probs
output probs
)";
    ModelOptions o;
    o.init = "he";
    o.seed = 1;
    o.pipeline = "check";
    return load_model(path, global_registry(), o);
  }
  training::TrainOptions options(const std::string& run = {}) {
    training::TrainOptions o;
    o.epochs = 6;
    o.batch = 16;
    o.optimizer.momentum = 0.9;
    o.lr.base = 0.05;
    o.seed = 7;
    o.augment.shift = 1;  // exercises the seeded augmentation too
    o.run_dir = run.empty() ? "" : dir_.file(run);
    return o;
  }
  TempDir dir_;
  data::LabeledImages train_ = quadrants(96, 1), val_ = quadrants(40, 2);
};

TEST_F(Trainer, LossFallsAndAccuracyRisesWithEveryOptimizer) {
  for (auto kind : {passes::OptimizerSpec::Kind::Sgd, passes::OptimizerSpec::Kind::Adam,
                    passes::OptimizerSpec::Kind::AdamW}) {
    auto o = options();
    o.optimizer.kind = kind;
    if (kind != passes::OptimizerSpec::Kind::Sgd) o.optimizer.momentum = 0, o.lr.base = 0.01;
    o.optimizer.weight_decay = 1e-4;
    training::Trainer t(model(), global_registry(), o);
    std::ostringstream log;
    const auto history = t.fit(train_, &val_, log);
    ASSERT_EQ(history.size(), 6u);
    EXPECT_LT(history.back().train_loss, 0.6 * history.front().train_loss) << log.str();
    EXPECT_GE(*history.back().val_acc, 0.9) << log.str();
    const auto e = t.evaluate(val_);
    EXPECT_EQ(e.accuracy, *history.back().val_acc);
    int64_t total = 0;
    for (const auto& row : e.confusion)
      for (int64_t c : row) total += c;
    EXPECT_EQ(total, 40);
  }
}

TEST_F(Trainer, StoppedAndResumedEqualsUninterrupted) {
  training::Trainer straight(model(), global_registry(), options("straight"));
  std::ostringstream log;
  straight.fit(train_, &val_, log);

  auto o = options("stopped");
  int polls = 0;
  o.stop_requested = [&] { return ++polls == 17; };  // mid-epoch 3 (6 batches an epoch)
  {
    training::Trainer first(model(), global_registry(), o);
    EXPECT_THROW(first.fit(train_, &val_, log), training::TrainingInterrupted);
  }
  o.stop_requested = {};
  training::Trainer resumed(model(), global_registry(), o);
  resumed.resume();
  EXPECT_EQ(resumed.epochs_done(), 2);
  const auto history = resumed.fit(train_, &val_, log);
  EXPECT_EQ(history.size(), 6u);
  const auto a = straight.model_weights(), b = resumed.model_weights();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a)
    EXPECT_TRUE(std::equal(t.data().begin(), t.data().end(), b.at(name).data().begin())) << name;
  // The files a user sees match as well.
  EXPECT_EQ(read_bytes(dir_.file("straight/last.safetensors")),
            read_bytes(dir_.file("stopped/last.safetensors")));
}

TEST_F(Trainer, FrozenLayersKeepTheirWeights) {
  auto o = options();
  o.epochs = 1;
  o.freeze = {"c"};
  const ir::Graph m = model();
  training::Trainer t(m, global_registry(), o);
  std::ostringstream log;
  t.fit(train_, nullptr, log);
  const auto w = t.model_weights();
  const ir::Tensor& before = *m.node(*m.find("c.weight")).value;
  EXPECT_TRUE(
      std::equal(before.data().begin(), before.data().end(), w.at("c.weight").data().begin()));
  const ir::Tensor& dense = *m.node(*m.find("d.weight")).value;
  EXPECT_FALSE(
      std::equal(dense.data().begin(), dense.data().end(), w.at("d.weight").data().begin()));
  o.freeze = {"nope"};
  EXPECT_THROW(training::Trainer(m, global_registry(), o), std::invalid_argument);
}

TEST_F(Trainer, CorruptedOrTruncatedCheckpointIsRefusedAndThePreviousKept) {
  auto o = options("run");
  o.epochs = 2;
  {
    training::Trainer t(model(), global_registry(), o);
    std::ostringstream log;
    t.fit(train_, nullptr, log);
  }
  const std::string latest = dir_.file("run/checkpoint.safetensors");
  const std::string previous = training::previous_checkpoint_path(latest);
  std::vector<char> bytes = read_bytes(latest);
  std::vector<char> corrupted = bytes;
  corrupted[corrupted.size() - 5] ^= 0x10;  // a bit of the last tensor's data
  write_bytes(latest, corrupted);
  o.epochs = 3;
  training::Trainer t(model(), global_registry(), o);
  EXPECT_CONTAINS(io_error_of([&] { t.resume(); }), "is corrupted");
  EXPECT_CONTAINS(io_error_of([&] { t.resume(); }), previous);
  write_bytes(latest, std::vector<char>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  EXPECT_CONTAINS(io_error_of([&] { t.resume(); }), latest);
  // An edited counter in the training state (same length, so the file
  // still parses) fails the checksum too.
  std::string text(bytes.begin(), bytes.end());
  const size_t at = text.find("\\\"steps\\\":");
  ASSERT_NE(at, std::string::npos);
  const size_t digit = text.find_first_of("0123456789", at);
  text[digit] = text[digit] == '9' ? '8' : static_cast<char>(text[digit] + 1);
  write_bytes(latest, std::vector<char>(text.begin(), text.end()));
  EXPECT_CONTAINS(io_error_of([&] { t.resume(); }), "is corrupted");
  // The previous checkpoint (after epoch 1) still loads and continues.
  std::filesystem::copy_file(previous, latest, std::filesystem::copy_options::overwrite_existing);
  t.resume();
  EXPECT_EQ(t.epochs_done(), 1);
}

TEST_F(Trainer, DivergingRunNamesTheFirstNonFiniteOp) {
  auto o = options();
  o.lr.base = 1e30;
  o.optimizer.momentum = 0;
  o.augment = {};
  training::Trainer t(model(), global_registry(), o);
  std::ostringstream log;
  try {
    t.fit(train_, nullptr, log);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_CONTAINS(e.what(), "the first non-finite value is in the output of layer '");
  }
}

}  // namespace
}  // namespace cnnc::testing
