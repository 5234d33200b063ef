// `cnnc compile MODEL --weights W -o DIR`: the model compiled for one batch
// size into DIR/lib<name>.a and DIR/<name>.h (backends/halide/native_library.h),
// which run without cnnc, Halide or LLVM.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "backends/halide/native_plan.h"
#include "backends/native/native_library.h"
#include "backends/vulkan/native_plan.h"
#include "tools/cnnc/command.h"

namespace cnnc::cli {

namespace {

struct CompileArgs {
  std::string model, weights, init, out, name, target, cache_dir, schedule, backend = "halide";
  uint64_t seed = 0;
  int device = -1;
  int64_t batch = 1;
  bool exe = false, external_weights = false, invert = false;
  std::vector<float> mean, stddev;
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
  if (a.backend != "halide" && a.backend != "vulkan")
    throw UsageError(fmt::format(
        "cnnc compile --backend {}: compiles for halide (CPU kernels) or vulkan (SPIR-V and a "
        "Vulkan runtime); run the model with `cnnc run --backend {}` instead",
        a.backend, a.backend));
  if (!a.exe && (a.invert || !a.mean.empty() || !a.stddev.empty()))
    throw UsageError("--invert, --mean and --std are for the --exe program's images; add --exe");
  if (a.backend == "vulkan" && !a.target.empty())
    throw UsageError(
        "--target chooses a Halide target; a Vulkan library is compiled for this machine and "
        "runs on the device it finds there (--device chooses the one whose limits the tiles "
        "are checked against)");
  ModelOptions options = model_options(global);
  options.weights = a.weights;
  options.init = a.weights.empty() ? a.init : "";
  options.seed = a.seed;
  const ir::Graph graph = load_model(a.model, registry(global), options);
  const std::string name = a.name.empty() ? default_name(a.out) : a.name;
  const std::filesystem::path out(a.out);
  std::filesystem::create_directories(out / "build");
  const backends::CompileOptions compile_options{
      .cache_dir = a.cache_dir, .schedule = a.schedule, .device = a.device};
  const backends::native::NativeLibraryOptions library{.name = name,
                                                       .out_dir = out,
                                                       .executable = a.exe,
                                                       .external_weights = a.external_weights,
                                                       .invert = a.invert,
                                                       .mean = a.mean,
                                                       .stddev = a.stddev};
  backends::native::NativeLibraryFiles files;
  if (a.backend == "vulkan") {
    const backends::vulkan::NativeVulkanPlan plan =
        backends::vulkan::export_native_plan(graph, registry(global).ops, a.batch, compile_options);
    files = backends::native::write_native_library(backends::vulkan::native_model(plan), library);
    std::cout << fmt::format(
        "compiled {} for Vulkan ({}) at batch {}: {} dispatches, {:.1f} KiB of parameters, "
        "{:.1f} KiB arena\n",
        a.model, plan.device, plan.batch, plan.dispatches.size(), double(plan.params.size()) / 1024,
        double(plan.arena_bytes) / 1024);
  } else {
    const backends::halide::NativePlan plan = backends::halide::export_native_plan(
        graph, registry(global).ops, a.batch, a.target, compile_options, out / "build");
    files = backends::native::write_native_library(backends::halide::native_model(plan), library);
    std::cout << fmt::format(
        "compiled {} for {} at batch {}: {} kernels, {:.1f} KiB of weights, {:.1f} KiB arena\n",
        a.model, plan.target, plan.batch, plan.calls.size(),
        double(plan.weights.size() * sizeof(float)) / 1024, double(plan.arena_bytes) / 1024);
  }
  std::cout << fmt::format("  {} ({:.1f} KiB)\n  {}\n", files.library.string(),
                           double(std::filesystem::file_size(files.library)) / 1024,
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
                  "halide (CPU kernels, the default) or vulkan (SPIR-V and a Vulkan runtime; "
                  "the library links with -lvulkan)");
  cmd->add_option("--schedule", a->schedule, "the backend's --schedule, as for cnnc run");
  cmd->add_option("--device", a->device,
                  "vulkan: the device of `cnnc devices` whose limits the tiles are checked "
                  "against (default: the preferred one)");
  cmd->add_flag("--external-weights", a->external_weights,
                "weights in DIR/<name>.weights, read when a model is created, not in the library");
  cmd->add_flag("--exe", a->exe,
                "also a standalone program: NAME IMAGE... prints the top class; NAME --bench "
                "times a run");
  cmd->add_option("--mean", a->mean,
                  "with --exe: per-channel mean the program subtracts from images (after "
                  "scaling to [0,1]), as cnnc run --mean");
  cmd->add_option("--std", a->stddev,
                  "with --exe: per-channel standard deviation dividing images, as cnnc run --std");
  cmd->add_flag("--invert", a->invert,
                "with --exe: the program inverts images (v -> 1 - v), as cnnc run --invert");
  cmd->callback([a, &global] { compile(*a, global); });
}

}  // namespace cnnc::cli
