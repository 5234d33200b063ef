// End-to-end: `cnnc train` killed with SIGKILL at random moments and
// continued with `--resume` ends bit for bit where an uninterrupted run
// does (weights, best weights, optimizer state, metrics but their timing);
// a truncated or corrupted checkpoint is refused through the command line
// with a message naming it, and the previous checkpoint stays.
//
// The kills come at delays drawn from a seeded std::mt19937, but where they
// land depends on the machine's speed; whatever the moment, the result must
// be the same, so nothing here passes or fails by timing. The trainer writes
// checkpoints only at the end of an epoch (or when asked to stop), so a
// kill continues from the last finished epoch, and one before the first
// checkpoint exists leaves nothing to resume: `--resume` then fails ("cannot
// open .../checkpoint.safetensors") and the run is started again without it.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "runtime/checkpoint.h"

extern char** environ;

namespace cnnc {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

#define EXPECT_HAS(text, part) \
  EXPECT_NE((text).find(part), std::string::npos) << "expected '" << (part) << "' in:\n" << (text)

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary)
      .write(text.data(), static_cast<std::streamsize>(text.size()));
}

// A `cnnc` process with stdout and stderr going to `log`.
class Child {
 public:
  Child(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> argv_strings{CNNC_CLI};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    start_ = Clock::now();
    const int err = posix_spawn(&pid_, CNNC_CLI, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) pid_ = -1;
  }
  ~Child() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait_until(Clock::time_point::max());
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() const { return pid_ > 0 && !done_; }
  // Waits until the process exits or `deadline`; true when it exited.
  bool wait_until(Clock::time_point deadline) {
    while (running()) {
      int raw = 0;
      const pid_t r = ::waitpid(pid_, &raw, WNOHANG);
      if (r == pid_) {
        done_ = true;
        status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        seconds_ = std::chrono::duration<double>(Clock::now() - start_).count();
        break;
      }
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
  // SIGKILL, then reaps it; false when it had exited already.
  bool kill() {
    if (!running()) return false;
    ::kill(pid_, SIGKILL);
    wait_until(Clock::time_point::max());
    return true;
  }
  int status() const { return status_; }
  double seconds() const { return seconds_; }

 private:
  pid_t pid_ = -1;
  bool done_ = false;
  int status_ = -1;
  double seconds_ = 0;
  Clock::time_point start_;
};

struct Finished {
  int status = -1;
  double seconds = 0;
  std::string output;
};

// Runs `cnnc args` to the end (at most two minutes).
Finished run_cnnc(const std::vector<std::string>& args, const fs::path& log) {
  Child c(args, log);
  EXPECT_TRUE(c.started());
  if (!c.wait_until(Clock::now() + std::chrono::minutes(2))) {
    c.kill();
    ADD_FAILURE() << "cnnc " << fmt::format("{}", fmt::join(args, " ")) << " ran for 2 minutes";
  }
  return {c.status(), c.seconds(), read_text(log)};
}

// An IDX file of unsigned bytes.
void write_idx(const fs::path& path, const std::vector<uint32_t>& dims,
               const std::vector<uint8_t>& values) {
  std::string bytes{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(d >> shift));
  bytes.append(values.begin(), values.end());
  write_text(path, bytes);
}

// `n` noisy side x side images of a bright square in one of four quadrants,
// labelled by the quadrant: learnable, so the weights move with purpose.
void write_quadrants(const fs::path& dir, const std::string& prefix, uint32_t n, uint32_t side,
                     unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> pixels, labels;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t label = rng() % 4, half = side / 2;
    const uint32_t y0 = label / 2 * half, x0 = label % 2 * half;
    labels.push_back(static_cast<uint8_t>(label));
    for (uint32_t y = 0; y < side; ++y)
      for (uint32_t x = 0; x < side; ++x) {
        const bool blob = y >= y0 + 2 && y < y0 + half - 2 && x >= x0 + 2 && x < x0 + half - 2;
        pixels.push_back(static_cast<uint8_t>(rng() % 120 + (blob ? 120 : 0)));
      }
  }
  write_idx(dir / (prefix + "-images-idx3-ubyte"), {n, side, side}, pixels);
  write_idx(dir / (prefix + "-labels-idx1-ubyte"), {n}, labels);
}

constexpr const char* kModel = R"(model quadrants
input image [N, 1, 16, 16]
conv2d  c1 filters=12 kernel=5 pad=2 act=relu
maxpool p1 kernel=2 stride=2
conv2d  c2 filters=16 kernel=3 pad=1 act=relu
maxpool p2 kernel=2 stride=2
flatten
dense   f1 units=32 act=relu
dense   logits units=4
softmax probs
output  probs
)";

// metrics.csv without its timing columns (epoch_seconds, images_per_s).
std::vector<std::string> metrics_without_timing(const fs::path& csv) {
  std::istringstream in(read_text(csv));
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    if (cells.size() > 5) cells.resize(5);
    rows.push_back(fmt::format("{}", fmt::join(cells, ",")));
  }
  return rows;
}

class TrainResume : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(CNNC_BINARY_DIR) / "e2e" / "train_resume" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    write_quadrants(dir_ / "data", "train", 300, 16, 1);
    write_quadrants(dir_ / "data", "t10k", 60, 16, 2);
    write_text(dir_ / "quadrants.cnn", kModel);
  }

  // The arguments of a fresh run into `out`: momentum (optimizer state)
  // and augmentation (seeded per batch) included.
  std::vector<std::string> train_args(const std::string& out, int epochs = 3) const {
    return {"train",        (dir_ / "quadrants.cnn").string(),
            "--data",       "idx:" + (dir_ / "data").string(),
            "--out",        (dir_ / out).string(),
            "--epochs",     std::to_string(epochs),
            "--batch",      "16",
            "--lr",         "0.05",
            "--momentum",   "0.9",
            "--augment",    "shift=1,flip",
            "--seed",       "11",
            "--threads",    "1",
            "--backend",    "reference",
            "--no-progress"};
  }
  std::vector<std::string> resume_args(const std::string& out) const {
    return {"train", "--resume", (dir_ / out).string()};
  }

  // Everything of run `b` that must equal run `a`'s bit for bit.
  void expect_same_results(const std::string& a, const std::string& b) const {
    for (const char* file : {"last.safetensors", "best.safetensors"}) {
      ASSERT_TRUE(fs::exists(dir_ / b / file)) << b << "/" << file;
      EXPECT_TRUE(read_text(dir_ / a / file) == read_text(dir_ / b / file))
          << a << "/" << file << " and " << b << "/" << file << " differ";
    }
    // The checkpoints' tensors: weights, velocities, the step counter.
    const auto ca = training::read_checkpoint((dir_ / a / "checkpoint.safetensors").string());
    const auto cb = training::read_checkpoint((dir_ / b / "checkpoint.safetensors").string());
    ASSERT_EQ(ca.tensors.size(), cb.tensors.size());
    for (const auto& [name, t] : ca.tensors) {
      ASSERT_TRUE(cb.tensors.count(name)) << name;
      const auto& u = cb.tensors.at(name);
      ASSERT_EQ(t.shape(), u.shape()) << name;
      EXPECT_EQ(std::memcmp(t.raw(), u.raw(), sizeof(float) * static_cast<size_t>(t.size())), 0)
          << "checkpoint tensor " << name << " differs";
    }
    EXPECT_EQ(ca.state.at("epoch"), cb.state.at("epoch"));
    EXPECT_EQ(ca.state.at("steps"), cb.state.at("steps"));
    EXPECT_EQ(metrics_without_timing(dir_ / a / "metrics.csv"),
              metrics_without_timing(dir_ / b / "metrics.csv"));
  }

  fs::path dir_;
};

TEST_F(TrainResume, KilledAtRandomMomentsAndResumedEqualsUninterrupted) {
  const Finished full = run_cnnc(train_args("A"), dir_ / "A.log");
  ASSERT_EQ(full.status, 0) << full.output;
  ASSERT_EQ(metrics_without_timing(dir_ / "A" / "metrics.csv").size(), 4u);  // header + 3 epochs

  // Five schedules of kills: the first run and the first two resumes are
  // killed after a delay uniform in [0.2 s, the uninterrupted run's time];
  // later resumes run to the end.
  constexpr int kKilledRuns = 3;
  const double longest = std::max(0.3, full.seconds);
  for (unsigned schedule = 1; schedule <= 5; ++schedule) {
    const std::string out = fmt::format("B{}", schedule);
    SCOPED_TRACE(out);
    std::mt19937 rng(schedule);
    std::string story;
    bool finished = false;
    // When the previous checkpoint last changed: a checkpoint missing while
    // a new previous one appeared means the kill came while it was replaced.
    std::optional<fs::file_time_type> previous_time;
    for (int attempt = 0; attempt < 12 && !finished; ++attempt) {
      const fs::path checkpoint = dir_ / out / "checkpoint.safetensors";
      const fs::path previous = training::previous_checkpoint_path(checkpoint.string());
      bool resume = attempt > 0;
      std::optional<fs::file_time_type> now_previous;
      if (fs::exists(previous)) now_previous = fs::last_write_time(previous);
      if (resume && !fs::exists(checkpoint)) {
        // Nothing to resume from: `--resume` refuses, naming the file, and
        // the run starts over.
        story += now_previous && now_previous != previous_time
                     ? " [killed while replacing the checkpoint: only the previous one is left]"
                     : " [killed before the first checkpoint]";
        const Finished probe =
            run_cnnc(resume_args(out), dir_ / fmt::format("{}.{}.resume.log", out, attempt));
        if (probe.status == 0) {  // a trainer that falls back to the previous checkpoint
          story += " resume finished;";
          finished = true;
          break;
        }
        EXPECT_HAS(probe.output, "cannot open '" + checkpoint.string() + "'");
        story += " --resume refused;";
        resume = false;
      }
      previous_time = now_previous;
      const fs::path log = dir_ / fmt::format("{}.{}.log", out, attempt);
      Child child(resume ? resume_args(out) : train_args(out), log);
      ASSERT_TRUE(child.started());
      const double delay = 0.2 + (longest - 0.2) * (static_cast<double>(rng()) / 4294967296.0);
      const auto deadline = attempt < kKilledRuns
                                ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(delay))
                                : Clock::now() + std::chrono::minutes(2);
      if (!child.wait_until(deadline)) {
        ASSERT_LT(attempt, kKilledRuns) << "a run took over 2 minutes:\n" << read_text(log);
        child.kill();
        story += fmt::format(" {} killed at {:.2f} s;", resume ? "resume" : "run", delay);
        continue;
      }
      const std::string output = read_text(log);
      ASSERT_EQ(child.status(), 0) << (resume ? "resume" : "run") << " failed:\n" << output;
      story += fmt::format(" {} finished{};", resume ? "resume" : "run",
                           output.find("has done its") != std::string::npos
                               ? " (the checkpoint said the run was done)"
                               : "");
      finished = true;
    }
    ASSERT_TRUE(finished) << story;
    std::cout << out << ":" << story << "\n";
    RecordProperty(out, story);
    expect_same_results("A", out);
  }
}

TEST_F(TrainResume, TruncatedOrCorruptedCheckpointIsRefusedAndThePreviousKept) {
  const Finished full = run_cnnc(train_args("A", 2), dir_ / "A.log");
  ASSERT_EQ(full.status, 0) << full.output;
  fs::copy(dir_ / "A", dir_ / "C");
  const fs::path latest = dir_ / "C" / "checkpoint.safetensors";
  const fs::path previous = training::previous_checkpoint_path(latest.string());
  ASSERT_TRUE(fs::exists(previous));
  const std::string bytes = read_text(latest), previous_bytes = read_text(previous);

  struct Case {
    std::string name, contents, message;
  };
  std::string flipped = bytes;
  flipped[flipped.size() - 3] ^= 0x04;  // a bit of the last tensor's data
  for (const Case& c : std::vector<Case>{
           {"truncated", bytes.substr(0, bytes.size() / 2), "truncated"},
           {"a flipped bit", flipped, "is corrupted"},
       }) {
    SCOPED_TRACE(c.name);
    write_text(latest, c.contents);
    const Finished r = run_cnnc(resume_args("C"), dir_ / "C.log");
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_HAS(r.output, latest.string());
    EXPECT_HAS(r.output, c.message);
    // Nothing was overwritten: the refused file, and the previous one, stay.
    EXPECT_TRUE(read_text(latest) == c.contents);
    ASSERT_TRUE(fs::exists(previous));
    EXPECT_TRUE(read_text(previous) == previous_bytes);
  }
  EXPECT_HAS(run_cnnc(resume_args("C"), dir_ / "C.log").output, previous.string());

  // The previous checkpoint (after epoch 1) continues the run to where the
  // uninterrupted one ended.
  fs::copy_file(previous, latest, fs::copy_options::overwrite_existing);
  const Finished resumed = run_cnnc(resume_args("C"), dir_ / "C.log");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  expect_same_results("A", "C");
}

// The epoch's files must not lag behind its checkpoint. Trainer::Impl::save
// writes checkpoint.safetensors, then metrics.csv, curves.png and
// last.safetensors: a kill (or a failed write) in between leaves a
// checkpoint that says the run is done, and `--resume` answers "has done
// its 3 epochs already" with last.safetensors one epoch behind, or missing.
// The random kills above land there now and then; here without timing:
// last.safetensors is a directory while epoch 3 ends, so writing it fails.
// Disabled until the trainer writes the epoch's files before the checkpoint
// (or `--resume` of a finished run rewrites them).
TEST_F(TrainResume, AFailureAfterTheLastCheckpointStillEndsWithTheLastWeights) {
  ASSERT_EQ(run_cnnc(train_args("A"), dir_ / "A.log").status, 0);
  ASSERT_EQ(run_cnnc(train_args("D", 2), dir_ / "D.log").status, 0);
  fs::remove(dir_ / "D" / "last.safetensors");
  fs::create_directory(dir_ / "D" / "last.safetensors");
  std::vector<std::string> longer = resume_args("D");
  longer.insert(longer.end(), {"--epochs", "3"});
  const Finished failed = run_cnnc(longer, dir_ / "D.log");
  EXPECT_EQ(failed.status, 1) << failed.output;
  EXPECT_HAS(failed.output, "last.safetensors");
  fs::remove(dir_ / "D" / "last.safetensors");
  const Finished r = run_cnnc(longer, dir_ / "D.log");
  ASSERT_EQ(r.status, 0) << r.output;
  expect_same_results("A", "D");
}

}  // namespace
}  // namespace cnnc
