// `cnnc compile MODEL --weights W -o DIR`: the model compiled for one batch
// size into DIR/lib<name>.a and DIR/<name>.h (backends/halide/native_library.h),
// which run without cnnc, Halide or LLVM.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "backends/halide/native_plan.h"
#include "backends/native/native_library.h"
#include "tools/cnnc/command.h"

namespace cnnc::cli {

namespace {

struct CompileArgs {
  std::string model, weights, init, out, name, target, cache_dir, backend = "halide";
  uint64_t seed = 0;
  int64_t batch = 1;
  bool exe = false, external_weights = false;
};

// The name from the output directory's last component, made a C identifier.
std::string default_name(const std::string& out) {
  std::string name = std::filesystem::path(out).lexically_normal().filename().string();
  if (name.empty() || name == ".") name = std::filesystem::path(out).parent_path().filename();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "model_" + name;
  return name;
}

void compile(const CompileArgs& a, GlobalOptions& global) {
  if (a.weights.empty() && a.init.empty())
    throw UsageError("compile needs --weights W.safetensors (or --init he|xavier for fresh ones)");
  if (a.batch < 1) throw UsageError("--batch must be at least 1");
  if (a.backend != "halide")
    throw UsageError(fmt::format(
        "cnnc compile --backend {}: only the halide (CPU) backend compiles to a library so far; "
        "run the model with `cnnc run --backend {}` instead",
        a.backend, a.backend));
  ModelOptions options = model_options(global);
  options.weights = a.weights;
  options.init = a.weights.empty() ? a.init : "";
  options.seed = a.seed;
  const ir::Graph graph = load_model(a.model, registry(global), options);
  const std::string name = a.name.empty() ? default_name(a.out) : a.name;
  const std::filesystem::path out(a.out);
  std::filesystem::create_directories(out / "build");
  const backends::halide::NativePlan plan = backends::halide::export_native_plan(
      graph, registry(global).ops, a.batch, a.target, {.cache_dir = a.cache_dir}, out / "build");
  const auto files = backends::native::write_native_library(
      backends::halide::native_model(plan),
      {.name = name, .out_dir = out, .executable = a.exe, .external_weights = a.external_weights});
  std::cout << fmt::format(
      "compiled {} for {} at batch {}: {} kernels, {:.1f} KiB of weights, {:.1f} KiB arena\n"
      "  {} ({:.1f} KiB)\n  {}\n",
      a.model, plan.target, plan.batch, plan.calls.size(),
      double(plan.weights.size() * sizeof(float)) / 1024, double(plan.arena_bytes) / 1024,
      files.library.string(), double(std::filesystem::file_size(files.library)) / 1024,
      files.header.string());
  if (a.external_weights)
    std::cout << fmt::format("  {} (read by {}_create)\n", files.weights.string(), name);
  if (a.exe)
    std::cout << fmt::format("  {} ({:.1f} KiB)\n", files.executable.string(),
                             double(std::filesystem::file_size(files.executable)) / 1024);
}

}  // namespace

void add_compile_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "compile", "compile a model into a static library and a C header that run without cnnc");
  auto a = std::make_shared<CompileArgs>();
  cmd->add_option("model", a->model, "model file (.cnn)")->required();
  cmd->add_option("-w,--weights", a->weights, "weights (safetensors), embedded in the library");
  cmd->add_option("--init", a->init, "without --weights: he or xavier, seeded by --seed")
      ->check(CLI::IsMember({"he", "xavier"}));
  cmd->add_option("--seed", a->seed, "seed of --init");
  cmd->add_option("-o,--output", a->out, "output directory: lib<name>.a and <name>.h")->required();
  cmd->add_option(
      "--name", a->name,
      "prefix of the C functions and file names (default: the output directory's name)");
  cmd->add_option("--batch", a->batch, "the batch size compiled for (default 1)");
  cmd->add_option("--target", a->target,
                  "Halide target, e.g. x86-64-linux-avx2 (default: this machine)");
  cmd->add_option("--cache-dir", a->cache_dir, "the kernel cache (default: cnnc's)");
  cmd->add_option("--backend,-b", a->backend,
                  "halide (the only one that compiles to a library so far)");
  cmd->add_flag("--external-weights", a->external_weights,
                "weights in DIR/<name>.weights, read when a model is created, not in the library");
  cmd->add_flag("--exe", a->exe,
                "also a standalone program: NAME IMAGE... prints the top class; NAME --bench "
                "times a run");
  cmd->callback([a, &global] { compile(*a, global); });
}

}  // namespace cnnc::cli
