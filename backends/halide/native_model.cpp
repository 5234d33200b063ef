#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>
#include <set>
#include <stdexcept>

#include "backends/halide/native_plan.h"

namespace cnnc::backends::halide {

namespace {

// The clang triple for a Halide target that is not this machine's; empty
// for this machine's.
std::string cross_triple(const std::string& target) {
  std::vector<std::string> parts;
  for (size_t start = 0, end; start <= target.size(); start = end + 1) {
    end = target.find('-', start);
    if (end == std::string::npos) end = target.size();
    parts.push_back(target.substr(start, end - start));
  }
  if (parts.size() < 3) throw std::invalid_argument("not a Halide target: '" + target + "'");
  const std::string machine = parts[0] + "-" + parts[1] + "-" + parts[2];
  if (machine == "x86-64-linux") return "";
  if (machine == "arm-64-linux") return "aarch64-linux-gnu";
  if (machine == "arm-32-linux") return "arm-linux-gnueabihf";
  if (machine == "riscv-64-linux") return "riscv64-linux-gnu";
  throw std::invalid_argument(fmt::format(
      "cannot compile for {}: cnnc compile builds for x86-64, arm-64, arm-32 and riscv-64 "
      "Linux",
      target));
}

// The plan's C: every kernel call in order over the arena, the weights and
// the caller's inputs and outputs, each operand a halide_buffer_t.
std::string plan_source(const NativePlan& plan) {
  std::string c =
      "/* Halide 14's buffer ABI (HalideRuntime.h), declared rather than included to\n"
      " * stay freestanding. */\n"
      "typedef struct halide_dimension_t { int32_t min, extent, stride; uint32_t flags; } "
      "halide_dimension_t;\n"
      "struct halide_type_t { uint8_t code, bits; uint16_t lanes; };\n"
      "typedef struct halide_buffer_t {\n  uint64_t device;\n  const void* device_interface;\n"
      "  uint8_t* host;\n  uint64_t flags;\n  struct halide_type_t type;\n  int32_t dimensions;\n"
      "  halide_dimension_t* dim;\n  void* padding;\n} halide_buffer_t;\n"
      "enum { halide_type_float = 2 };\nint halide_set_num_threads(int n);\n\n";
  std::set<std::string> declared;
  size_t most_args = 1;
  for (const NativeCall& call : plan.calls) {
    if (declared.insert(call.function).second)
      c += fmt::format("extern int {}(void** args);\n", call.function);
    most_args = std::max(most_args, call.operands.size());
  }
  c += "\n";
  for (size_t k = 0; k < plan.calls.size(); ++k)
    for (size_t a = 0; a < plan.calls[k].operands.size(); ++a) {
      const auto& sizes = plan.calls[k].operands[a].sizes;
      std::vector<std::string> dims;
      int64_t stride = 1;
      for (int s : sizes) {
        dims.push_back(fmt::format("{{0, {}, {}, 0}}", s, stride));
        stride *= s;
      }
      c += fmt::format("static halide_dimension_t dims_{}_{}[{}] = {{{}}};\n", k, a,
                       std::max<size_t>(sizes.size(), 1), fmt::join(dims, ", "));
    }
  c += "\nstatic int plan_create(native_model* m) { (void)m; return 0; }\n"
       "static void plan_destroy(native_model* m) { (void)m; }\n"
       "static int plan_set_threads(int threads) { return halide_set_num_threads(threads); }\n\n"
       "static void* bind(halide_buffer_t* b, const void* host, int rank, halide_dimension_t* "
       "dim) {\n"
       "  memset(b, 0, sizeof *b);\n  b->host = (uint8_t*)host;\n"
       "  b->type.code = halide_type_float;\n  b->type.bits = 32;\n  b->type.lanes = 1;\n"
       "  b->dimensions = rank;\n  b->dim = dim;\n  return b;\n}\n\n"
       "static int fail(native_model* m, const char* layer, int rc) {\n"
       "  snprintf(m->error, sizeof m->error, \"layer '%s': its kernel failed (Halide error "
       "%d)\", layer, rc);\n"
       "  return 3;\n}\n\n"
       "static int plan_run(native_model* m, const float* const* inputs, float* const* outputs) "
       "{\n";
  c += fmt::format("  halide_buffer_t b[{0}];\n  void* argv[{0}];\n  int rc;\n", most_args);
  const auto pointer = [&](const NativeOperand& op) {
    switch (op.source) {
      case NativeOperand::Source::Input:
        return fmt::format("inputs[{}]", op.index);
      case NativeOperand::Source::Output:
        return fmt::format("outputs[{}]", op.index);
      case NativeOperand::Source::Weight:
        return fmt::format("m->weights + {}", op.offset);
      case NativeOperand::Source::Arena:
        break;
    }
    return fmt::format("m->arena + {}", op.offset);
  };
  for (size_t k = 0; k < plan.calls.size(); ++k) {
    const NativeCall& call = plan.calls[k];
    for (size_t a = 0; a < call.operands.size(); ++a)
      c += fmt::format("  argv[{0}] = bind(&b[{0}], {1}, {2}, dims_{3}_{0});\n", a,
                       pointer(call.operands[a]), call.operands[a].sizes.size(), k);
    c += fmt::format("  if ((rc = {}(argv)) != 0) return fail(m, {}, rc);\n", call.function,
                     native::c_quoted(call.layer));
  }
  for (size_t i = 0; i < plan.output_sources.size(); ++i) {
    const NativeOperand& from = plan.output_sources[i];
    if (from.source == NativeOperand::Source::Output && from.index == i) continue;
    c += fmt::format("  memcpy(outputs[{}], {}, {} * sizeof(float));\n", i, pointer(from),
                     plan.outputs[i].shape.elements());
  }
  c += "  (void)inputs;\n  (void)outputs;\n  return 0;\n}\n";
  return c;
}

}  // namespace

native::NativeModel native_model(const NativePlan& plan) {
  native::NativeModel model{.backend = "halide",
                            .target = "Halide target " + plan.target,
                            .cross_triple = cross_triple(plan.target),
                            .batch = plan.batch,
                            .inputs = plan.inputs,
                            .outputs = plan.outputs,
                            .arena_bytes = std::max<int64_t>(plan.arena_bytes, 64),
                            .objects = plan.objects,
                            .link_flags = {"-lm", "-lpthread"},
                            .plan_source = plan_source(plan),
                            .plan_flags = {"-ffreestanding"}};
  model.weights.resize(plan.weights.size() * sizeof(float));
  std::memcpy(model.weights.data(), plan.weights.data(), model.weights.size());
  return model;
}

}  // namespace cnnc::backends::halide
