#include "backends/native/native_library.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <fstream>
#include <stdexcept>

#include "backends/native/tool_process.h"

namespace cnnc::backends::native {

namespace fs = std::filesystem;

std::string c_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

namespace {

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", path.string()));
}

// The tensors' declarations in the header, for inputs or outputs.
void declare_tensors(std::string& h, const std::string& name, const std::string& kind,
                     const std::vector<NativeTensor>& tensors) {
  const std::string prefix = upper(name);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const NativeTensor& t = tensors[i];
    const std::string p = fmt::format("{}_{}{}", prefix, upper(kind), i);
    h += fmt::format("#define {}_NAME {}\n", p, c_quoted(t.name));
    h += fmt::format("#define {}_RANK {}\n", p, t.shape.rank());
    h += fmt::format("#define {}_SIZE {} /* floats */\n", p, t.shape.elements());
    h += fmt::format("static const int64_t {}_{}{}_dims[{}] = {{{}}};\n", name, kind, i,
                     t.shape.rank(), fmt::join(t.shape.dims, ", "));
  }
}

}  // namespace

std::string native_header(const NativeModel& model, const std::string& name,
                          const std::string& weights_file) {
  const std::string N = upper(name);
  std::string h = fmt::format(
      "/* {0}: a model compiled by `cnnc compile` ({4} backend, {1}, batch {2}).\n"
      " * Generated; do not edit. Link with lib{0}.a {5}.\n"
      " *\n"
      " *   {0}* m;\n"
      " *   if ({0}_create(&m) != 0) ...;\n"
      " *   const float* in[{3}_INPUT_COUNT] = {{image}};\n"
      " *   float* out[{3}_OUTPUT_COUNT] = {{scores}};\n"
      " *   if ({0}_run(m, in, out) != 0) fprintf(stderr, \"%s\\n\", {0}_last_error(m));\n"
      " *   {0}_destroy(m);\n"
      " *\n"
      " * Inputs and outputs are float32, row-major, of the shapes below (dim 0\n"
      " * the batch). An instance owns (or is given) the arena its runs use: one\n"
      " * instance per thread runs in parallel with the others. Returns: 0 ok,\n"
      " * 1 a bad argument, 2 out of memory, 3 a kernel failed (see _last_error). */\n"
      "#ifndef {3}_H\n#define {3}_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n"
      "#ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n",
      name, model.target, model.batch, N, model.backend, fmt::join(model.link_flags, " "));
  h += fmt::format("#define {}_BATCH {}\n", N, model.batch);
  h += fmt::format("#define {}_INPUT_COUNT {}\n", N, model.inputs.size());
  h += fmt::format("#define {}_OUTPUT_COUNT {}\n", N, model.outputs.size());
  declare_tensors(h, name, "input", model.inputs);
  declare_tensors(h, name, "output", model.outputs);
  if (!weights_file.empty())
    h += fmt::format(
        "/* The weights _create reads (written next to the library). */\n"
        "#define {}_WEIGHTS_FILE {}\n",
        N, c_quoted(weights_file));
  if (model.arena_bytes > 0)
    h += fmt::format(
        "/* For callers that bring the arena: bytes and alignment. */\n"
        "#define {0}_ARENA_BYTES {1}\n#define {0}_ALIGNMENT 64\n\n",
        N, model.arena_bytes);
  else
    h += fmt::format(
        "/* The tensors live in device memory: _create_with_arena ignores `arena`. */\n"
        "#define {0}_ARENA_BYTES 0\n#define {0}_ALIGNMENT 64\n\n",
        N);
  h += fmt::format(
      "typedef struct {2} {2};\n\n"
      "int {2}_create({2}** model);\n"
      "/* `arena`: {0}_ARENA_BYTES bytes aligned to {0}_ALIGNMENT, owned by the caller. */\n"
      "int {2}_create_with_arena(void* arena, size_t bytes, {2}** model);\n"
      "/* With weights from a file (`cnnc compile --external-weights`; NULL: the\n"
      " * default file); a library with embedded weights ignores `weights`. */\n"
      "int {2}_create_from_weights(const char* weights, void* arena, size_t bytes, {2}** "
      "model);\n"
      "/* Why this thread's last _create failed. */\n"
      "const char* {2}_create_error(void);\n"
      "int {2}_run({2}* model, const float* const* inputs, float* const* outputs);\n"
      "void {2}_destroy({2}* model);\n"
      "const char* {2}_last_error(const {2}* model);\n"
      "/* The kernels' worker threads, for the whole process (0: every core);\n"
      " * a no-op for a device backend. */\n"
      "int {2}_set_threads(int threads);\n\n"
      "/* The model for the cnnc C API: cnnc_model_from_compiled(&{2}_compiled, &m)\n"
      " * (<cnnc/cnnc.h>, which defines the same struct). */\n"
      "#ifndef CNNC_COMPILED_MODEL_DEFINED\n"
      "#define CNNC_COMPILED_MODEL_DEFINED\n"
      "#define CNNC_COMPILED_MODEL_VERSION 1\n"
      "typedef struct cnnc_compiled_model {{\n"
      "  int version;\n"
      "  const char* name;\n"
      "  size_t input_count, output_count;\n"
      "  const char* const* input_names;\n"
      "  const char* const* output_names;\n"
      "  const size_t* input_ranks;\n"
      "  const size_t* output_ranks;\n"
      "  const int64_t* const* input_dims;\n"
      "  const int64_t* const* output_dims;\n"
      "  int (*create)(void** instance);\n"
      "  int (*run)(void* instance, const float* const* inputs, float* const* outputs);\n"
      "  void (*destroy)(void* instance);\n"
      "  const char* (*last_error)(const void* instance);\n"
      "}} cnnc_compiled_model;\n"
      "#endif\n"
      "extern const cnnc_compiled_model {2}_compiled;\n\n"
      "#ifdef __cplusplus\n}}\n#endif\n\n#endif\n",
      N, model.arena_bytes, name);
  return h;
}

std::string native_source(const NativeModel& model, const std::string& name,
                          const std::string& weights_file) {
  const std::string N = upper(name);
  const uint64_t weight_bytes = model.weights.size();
  std::string c = fmt::format(
      "/* {0}: creating, running and destroying an instance ({1} backend). Generated by\n"
      " * cnnc compile; the plan's own part is in the middle. */\n"
      "#include <stddef.h>\n#include <stdint.h>\n\n#include \"{0}.h\"\n\n"
      "/* Declared here rather than included, so that a cross compiler needs no C\n"
      " * library headers. */\n"
      "void* calloc(size_t count, size_t size);\nvoid* aligned_alloc(size_t alignment, size_t "
      "size);\n"
      "void free(void* p);\nvoid* memset(void* s, int c, size_t n);\n"
      "void* memcpy(void* d, const void* s, size_t n);\n"
      "int memcmp(const void* a, const void* b, size_t n);\n"
      "int snprintf(char* s, size_t n, const char* format, ...);\n",
      name, model.backend);
  if (weights_file.empty())
    c += fmt::format("extern const unsigned char {}_weights[];\n", name);
  else
    c += "int open(const char* path, int flags, ...);\nlong read(int fd, void* buffer, size_t "
         "count);\nint close(int fd);\n";
  c += fmt::format(
      "\ntypedef struct {0} native_model;\n"
      "struct {0} {{\n  unsigned char* arena;\n  int owns_arena;\n"
      "  const unsigned char* weights;\n  unsigned char* owned_weights;\n  void* plan;\n"
      "  char error[512];\n}};\n\n"
      "static _Thread_local char create_error[512];\n"
      "const char* {0}_create_error(void) {{ return create_error; }}\n\n"
      "static int create_failed(int status, const char* why) {{\n"
      "  snprintf(create_error, sizeof create_error, \"%s\", why);\n  return status;\n}}\n\n"
      "/* ---- the {1} plan ---- */\n",
      name, model.backend);
  c += model.plan_source;
  c += fmt::format("\n/* ---- end of the {} plan ---- */\n\n", model.backend);
  if (!weights_file.empty())
    c += fmt::format(
        "/* The weights file: \"CNNCW001\", the byte count and the FNV-1a hash of the\n"
        " * bytes (64-bit little-endian each), then the bytes. */\n"
        "static int read_all(int fd, unsigned char* to, size_t count) {{\n"
        "  while (count > 0) {{\n    long n = read(fd, to, count);\n"
        "    if (n <= 0) return 0;\n    to += n;\n    count -= (size_t)n;\n  }}\n  return "
        "1;\n}}\n\n"
        "static int load_weights(native_model* m, const char* path) {{\n"
        "  int fd = open(path, 0);\n"
        "  if (fd < 0) {{\n"
        "    snprintf(create_error, sizeof create_error, \"%s: cannot open the weights file\", "
        "path);\n    return 1;\n  }}\n"
        "  unsigned char header[24];\n"
        "  uint64_t count = 0, hash = 0, h = 1469598103934665603ull;\n"
        "  int ok = read_all(fd, header, 24) && memcmp(header, \"CNNCW001\", 8) == 0;\n"
        "  for (int i = 7; ok && i >= 0; --i) count = count << 8 | header[8 + i];\n"
        "  for (int i = 7; ok && i >= 0; --i) hash = hash << 8 | header[16 + i];\n"
        "  if (!ok || count != {1}u) {{\n"
        "    close(fd);\n"
        "    snprintf(create_error, sizeof create_error, \"%s: not the weights of {0} (%llu bytes "
        "for {1})\", path, (unsigned long long)count);\n    return 1;\n  }}\n"
        "  m->owned_weights = (unsigned char*)aligned_alloc(64, ({1}u + 63) / 64 * 64);\n"
        "  if (!m->owned_weights) {{ close(fd); return create_failed(2, \"out of memory\"); }}\n"
        "  ok = read_all(fd, m->owned_weights, count);\n  close(fd);\n"
        "  for (uint64_t i = 0; ok && i < count; ++i) h = (h ^ m->owned_weights[i]) * "
        "1099511628211ull;\n"
        "  if (!ok || h != hash) {{\n"
        "    snprintf(create_error, sizeof create_error, \"%s: the weights are truncated or "
        "damaged (checksum)\", path);\n    return 1;\n  }}\n"
        "  m->weights = m->owned_weights;\n  return 0;\n}}\n\n",
        name, weight_bytes);
  c += fmt::format(
      "static void release(native_model* m) {{\n"
      "  if (m->owns_arena) free(m->arena);\n  free(m->owned_weights);\n  free(m);\n}}\n\n"
      "int {0}_create_from_weights(const char* weights, void* arena, size_t bytes, {0}** model) "
      "{{\n"
      "  create_error[0] = 0;\n"
      "  if (!model) return create_failed(1, \"the model pointer is null\");\n  *model = NULL;\n"
      "  native_model* m = (native_model*)calloc(1, sizeof *m);\n"
      "  if (!m) return create_failed(2, \"out of memory\");\n",
      name);
  if (model.arena_bytes > 0)
    c += fmt::format(
        "  if (arena && (bytes < {0}_ARENA_BYTES || (uintptr_t)arena % {0}_ALIGNMENT)) {{\n"
        "    free(m);\n"
        "    return create_failed(1, \"the arena is smaller than {0}_ARENA_BYTES or not aligned "
        "to {0}_ALIGNMENT\");\n  }}\n"
        "  m->arena = (unsigned char*)arena;\n"
        "  if (!m->arena) {{\n"
        "    m->arena = (unsigned char*)aligned_alloc({0}_ALIGNMENT, ({0}_ARENA_BYTES + 63) / 64 * "
        "64);\n"
        "    m->owns_arena = 1;\n"
        "    if (!m->arena) {{ free(m); return create_failed(2, \"out of memory\"); }}\n  }}\n",
        N);
  else
    c += "  (void)arena;\n  (void)bytes;\n";
  if (weights_file.empty())
    c += fmt::format("  (void)weights;\n  m->weights = {}_weights;\n", name);
  else
    c += fmt::format(
        "  int status = load_weights(m, weights ? weights : {0}_WEIGHTS_FILE);\n"
        "  if (status != 0) {{ release(m); return status; }}\n",
        N);
  c += fmt::format(
      "  const int created = plan_create(m);\n"
      "  if (created != 0) {{ release(m); return created; }}\n"
      "  *model = m;\n  return 0;\n}}\n\n"
      "int {0}_create_with_arena(void* arena, size_t bytes, {0}** model) {{\n"
      "  return {0}_create_from_weights(NULL, arena, bytes, model);\n}}\n\n"
      "int {0}_create({0}** model) {{ return {0}_create_from_weights(NULL, NULL, 0, model); }}\n\n"
      "void {0}_destroy({0}* m) {{\n  if (!m) return;\n  plan_destroy(m);\n  release(m);\n}}\n\n"
      "const char* {0}_last_error(const {0}* m) {{ return m ? m->error : \"the model is null\"; "
      "}}\n\n"
      "int {0}_set_threads(int threads) {{ return plan_set_threads(threads); }}\n\n"
      "int {0}_run({0}* m, const float* const* inputs, float* const* outputs) {{\n"
      "  if (!m) return 1;\n"
      "  if (!inputs || !outputs) {{\n"
      "    snprintf(m->error, sizeof m->error, \"inputs and outputs must not be null\");\n"
      "    return 1;\n  }}\n",
      name);
  for (size_t i = 0; i < model.inputs.size(); ++i)
    c += fmt::format(
        "  if (!inputs[{0}]) {{ snprintf(m->error, sizeof m->error, \"input {0} ('{1}') is "
        "null\"); return 1; }}\n",
        i, model.inputs[i].name);
  for (size_t i = 0; i < model.outputs.size(); ++i)
    c += fmt::format(
        "  if (!outputs[{0}]) {{ snprintf(m->error, sizeof m->error, \"output {0} ('{1}') is "
        "null\"); return 1; }}\n",
        i, model.outputs[i].name);
  c += "  const int status = plan_run(m, inputs, outputs);\n"
       "  if (status == 0) m->error[0] = 0;\n  return status;\n}\n\n";
  // The descriptor the cnnc C API wraps (cnnc_model_from_compiled).
  const auto names = [&](const std::vector<NativeTensor>& ts) {
    std::vector<std::string> q;
    for (const auto& t : ts) q.push_back(c_quoted(t.name));
    return fmt::format("{}", fmt::join(q, ", "));
  };
  const auto ranks = [&](const std::vector<NativeTensor>& ts) {
    std::vector<size_t> r;
    for (const auto& t : ts) r.push_back(t.shape.rank());
    return fmt::format("{}", fmt::join(r, ", "));
  };
  const auto dims = [&](const std::string& kind, size_t count) {
    std::vector<std::string> d;
    for (size_t i = 0; i < count; ++i) d.push_back(fmt::format("{}_{}{}_dims", name, kind, i));
    return fmt::format("{}", fmt::join(d, ", "));
  };
  c += fmt::format(
      "static const char* const input_names[] = {{{1}}};\n"
      "static const char* const output_names[] = {{{2}}};\n"
      "static const size_t input_ranks[] = {{{3}}};\n"
      "static const size_t output_ranks[] = {{{4}}};\n"
      "static const int64_t* const input_dims[] = {{{5}}};\n"
      "static const int64_t* const output_dims[] = {{{6}}};\n"
      "static int create_any(void** p) {{ return {0}_create(({0}**)p); }}\n"
      "static int run_any(void* p, const float* const* in, float* const* out) {{\n"
      "  return {0}_run(({0}*)p, in, out);\n}}\n"
      "static void destroy_any(void* p) {{ {0}_destroy(({0}*)p); }}\n"
      "static const char* error_any(const void* p) {{ return {0}_last_error((const {0}*)p); }}\n"
      "const cnnc_compiled_model {0}_compiled = {{CNNC_COMPILED_MODEL_VERSION, {7}, {8}, {9}, "
      "input_names, output_names, input_ranks, output_ranks, input_dims, output_dims, "
      "create_any, run_any, destroy_any, error_any}};\n",
      name, names(model.inputs), names(model.outputs), ranks(model.inputs), ranks(model.outputs),
      dims("input", model.inputs.size()), dims("output", model.outputs.size()), c_quoted(name),
      model.inputs.size(), model.outputs.size());
  return c;
}

namespace {

// `values` (empty, one, or one per channel) as a C initializer of `channels`
// floats, each printed with the digits that give back the same float.
std::string per_channel(const std::vector<float>& values, int64_t channels, float fallback,
                        const char* what) {
  if (values.size() > 1 && std::ssize(values) != channels)
    throw std::invalid_argument(
        fmt::format("--{} has {} values, but the model's input has {} channels", what,
                    values.size(), channels));
  std::vector<std::string> out;
  for (int64_t c = 0; c < channels; ++c) {
    const float v = values.empty() ? fallback : values[values.size() == 1 ? 0 : c];
    out.push_back(fmt::format("(float){:.9g}", v));
  }
  return fmt::format("{}", fmt::join(out, ", "));
}

}  // namespace

std::string native_main(const NativeModel& model, const NativeLibraryOptions& options) {
  const std::string& name = options.name;
  const std::string N = upper(name);
  const NativeTensor& in = model.inputs.at(0);
  const bool image =
      model.inputs.size() == 1 && in.shape.rank() == 4 && (in.shape[1] == 1 || in.shape[1] == 3);
  for (float s : options.stddev)
    if (!(s > 0))
      throw std::invalid_argument(fmt::format("--std values must be positive, got {}", s));
  if (!image && (options.invert || !options.mean.empty() || !options.stddev.empty()))
    throw std::invalid_argument(
        "--invert, --mean and --std apply to images, but the model's input is not one image "
        "[N, 1|3, H, W]");
  std::string c = fmt::format(
      "/* {0}: the standalone program of a model compiled by `cnnc compile --exe`.\n"
      " *   {0} IMAGE...        each image through the model: the top class and its score\n"
      " *   {0} X.f32...        raw float32 inputs of {1} values each\n"
      " *   {0} --bench [RUNS]  the median time of a run, on zeros\n"
      " * Images are decoded as `cnnc run` decodes them: v / 255, gray by BT.601\n"
      " * luma, resized with a triangle filter, then{2} (v - mean) / std per\n"
      " * channel with the values below. Generated. */\n"
      "#define _POSIX_C_SOURCE 199309L\n#include <stdio.h>\n#include <stdlib.h>\n#include "
      "<string.h>\n#include <time.h>\n\n"
      "#include <stb/stb_image.h>\n#include <stb/stb_image_resize.h>\n\n#include \"{0}.h\"\n\n",
      name, in.shape.elements(), options.invert ? " v -> 1 - v and" : "");
  c += fmt::format(
      "static float input[{1}_INPUT0_SIZE];\nstatic float output[{1}_OUTPUT0_SIZE];\n\n"
      "static int read_raw(const char* path) {{\n"
      "  FILE* f = fopen(path, \"rb\");\n"
      "  size_t n = f ? fread(input, sizeof(float), {1}_INPUT0_SIZE, f) : 0;\n"
      "  if (f) fclose(f);\n"
      "  if (n != {1}_INPUT0_SIZE) {{\n"
      "    fprintf(stderr, \"{0}: %s: cannot read %d float32 values\\n\", path, {1}_INPUT0_SIZE);\n"
      "    return 1;\n  }}\n  return 0;\n}}\n\n",
      name, N);
  if (image) {
    const int64_t channels = in.shape[1], height = in.shape[2], width = in.shape[3];
    c += fmt::format(
        "static const float mean[{5}] = {{{6}}};\n"
        "static const float stddev[{5}] = {{{7}}};\n\n"
        "/* One image into every item of the batch. */\n"
        "static int read_image(const char* path) {{\n"
        "  const int C = {0}, H = {1}, W = {2};\n"
        "  int w, h, source;\n"
        "  if (!stbi_info(path, &w, &h, &source)) {{\n"
        "    fprintf(stderr, \"{3}: %s: cannot decode image: %s\\n\", path, "
        "stbi_failure_reason());\n"
        "    return 1;\n  }}\n"
        "  const int load = (C == 1 && source <= 2) ? 1 : 3;\n"
        "  unsigned char* raw = stbi_load(path, &w, &h, &source, load);\n"
        "  if (!raw) {{\n"
        "    fprintf(stderr, \"{3}: %s: cannot decode image: %s\\n\", path, "
        "stbi_failure_reason());\n"
        "    return 1;\n  }}\n"
        "  float* px = malloc(sizeof(float) * (size_t)w * h * C);\n"
        "  float* sized = malloc(sizeof(float) * (size_t)W * H * C);\n"
        "  if (!px || !sized) {{ free(px); free(sized); stbi_image_free(raw); return 1; }}\n"
        "  for (size_t i = 0; i < (size_t)w * h; ++i) {{\n"
        "    if (load == C) {{\n"
        "      for (int k = 0; k < C; ++k) px[i * C + k] = raw[i * load + k] / 255.0f;\n"
        "    }} else {{\n"
        "      const unsigned char* rgb = raw + i * 3;\n"
        "      px[i] = (0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]) / 255.0f;\n"
        "    }}\n  }}\n"
        "  stbi_image_free(raw);\n"
        "  if (w == W && h == H) {{\n"
        "    memcpy(sized, px, sizeof(float) * (size_t)W * H * C);\n"
        "  }} else if (!stbir_resize_float_generic(px, w, h, 0, sized, W, H, 0, C, "
        "STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP, STBIR_FILTER_TRIANGLE, "
        "STBIR_COLORSPACE_LINEAR, NULL)) {{\n"
        "    fprintf(stderr, \"{3}: %s: cannot resize to %dx%d\\n\", path, W, H);\n"
        "    free(px); free(sized); return 1;\n  }}\n"
        "  for (int b = 0; b < {4}_BATCH; ++b)\n"
        "    for (int k = 0; k < C; ++k)\n"
        "      for (int i = 0; i < H * W; ++i) {{\n"
        "        const float v = {8}sized[i * C + k];\n"
        "        input[((size_t)b * C + k) * H * W + i] = (v - mean[k]) / stddev[k];\n"
        "      }}\n"
        "  free(px);\n  free(sized);\n  return 0;\n}}\n\n",
        channels, height, width, name, N, channels,
        per_channel(options.mean, channels, 0.0f, "mean"),
        per_channel(options.stddev, channels, 1.0f, "std"), options.invert ? "1.0f - " : "");
  }
  c += fmt::format(
      "static double now_ms(void) {{\n  struct timespec t;\n  clock_gettime(CLOCK_MONOTONIC, &t);\n"
      "  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;\n}}\n\n"
      "static int compare(const void* a, const void* b) {{\n"
      "  const double x = *(const double*)a, y = *(const double*)b;\n"
      "  return x < y ? -1 : x > y;\n}}\n\n"
      "int main(int argc, char** argv) {{\n"
      "  if (argc < 2) {{\n"
      "    fprintf(stderr, \"usage: %s IMAGE|X.f32... | --bench [RUNS]\\n\", argv[0]);\n"
      "    return 2;\n  }}\n"
      "  {0}* m;\n"
      "  if ({0}_create(&m) != 0) {{ fprintf(stderr, \"{0}: %s\\n\", {0}_create_error()); return "
      "1; "
      "}}\n"
      "  const float* in[{1}_INPUT_COUNT] = {{input}};\n"
      "  float* out[{1}_OUTPUT_COUNT] = {{output}};\n"
      "  if (strcmp(argv[1], \"--bench\") == 0) {{\n"
      "    const int runs = argc > 2 ? atoi(argv[2]) : 100;\n"
      "    if (runs < 1) {{ fprintf(stderr, \"{0}: --bench needs a positive run count\\n\"); "
      "return 2; }}\n"
      "    double* ms = malloc(sizeof(double) * runs);\n"
      "    for (int r = 0; r < runs; ++r) {{\n"
      "      const double t0 = now_ms();\n"
      "      if ({0}_run(m, in, out) != 0) {{ fprintf(stderr, \"{0}: %s\\n\", {0}_last_error(m)); "
      "return 1; }}\n"
      "      ms[r] = now_ms() - t0;\n    }}\n"
      "    qsort(ms, runs, sizeof(double), compare);\n"
      "    printf(\"{0}: median %.3f ms, min %.3f ms over %d runs at batch %d\\n\", ms[runs / 2], "
      "ms[0], runs, {1}_BATCH);\n"
      "    free(ms);\n    {0}_destroy(m);\n    return 0;\n  }}\n"
      "  int status = 0;\n"
      "  for (int i = 1; i < argc && status == 0; ++i) {{\n"
      "    const size_t len = strlen(argv[i]);\n"
      "    const int raw = len > 4 && strcmp(argv[i] + len - 4, \".f32\") == 0;\n",
      name, N);
  c +=
      image
          ? "    if ((raw ? read_raw(argv[i]) : read_image(argv[i])) != 0) { status = 1; break; }\n"
          : "    if (read_raw(argv[i]) != 0) { status = 1; break; }\n";
  c += fmt::format(
      "    if ({0}_run(m, in, out) != 0) {{\n"
      "      fprintf(stderr, \"{0}: %s\\n\", {0}_last_error(m));\n      status = 1;\n      "
      "break;\n    }}\n"
      "    const int classes = {1}_OUTPUT0_SIZE / {1}_BATCH;\n"
      "    int best = 0;\n"
      "    for (int k = 1; k < classes; ++k)\n"
      "      if (output[k] > output[best]) best = k;\n"
      "    printf(\"%s: class %d score %.6f\\n\", argv[i], best, output[best]);\n"
      "  }}\n"
      "  {0}_destroy(m);\n  return status;\n}}\n",
      name, N);
  return c;
}

NativeLibraryFiles write_native_library(const NativeModel& model,
                                        const NativeLibraryOptions& options) {
  if (!is_identifier(options.name))
    throw std::invalid_argument(fmt::format(
        "'{}' is not a C identifier (letters, digits and _, not starting with a digit): the "
        "library's functions are named after it",
        options.name));
  const std::string& name = options.name;
  if (options.executable && name == "build")
    throw std::invalid_argument(
        "a program named 'build' would take the place of DIR/build, where the sources are "
        "made; choose another --name");
  const std::string& triple = model.cross_triple;
  if (!triple.empty() && options.executable)
    throw std::invalid_argument(fmt::format(
        "--exe builds a program for this machine; {} is another's (link the library with its "
        "toolchain)",
        model.target));
  // Made before anything is written: its options may be refused.
  const std::string main_source = options.executable ? native_main(model, options) : "";
  // Everything is made in DIR/build and moved into DIR once all of it is:
  // a failed compile leaves DIR's earlier files as they were, not half
  // replaced.
  const fs::path out = options.out_dir, work = out / "build";
  fs::create_directories(work);
  NativeLibraryFiles files{.library = out / fmt::format("lib{}.a", name),
                           .header = out / (name + ".h")};
  if (options.executable) files.executable = out / name;
  if (options.external_weights) files.weights = out / (name + ".weights");
  const auto made = [&](const fs::path& final_path) { return work / final_path.filename(); };
  const std::string weights_file =
      options.external_weights ? fs::absolute(files.weights).string() : "";
  write_text(made(files.header), native_header(model, name, weights_file));
  write_text(work / (name + "_model.c"), native_source(model, name, weights_file));
  {
    const fs::path path =
        options.external_weights ? made(files.weights) : work / (name + "_weights.bin");
    std::ofstream w(path, std::ios::binary);
    const auto* bytes = reinterpret_cast<const unsigned char*>(model.weights.data());
    const uint64_t count = model.weights.size();
    if (options.external_weights) {
      uint64_t hash = 1469598103934665603ull;  // FNV-1a, as the generated loader checks
      for (uint64_t i = 0; i < count; ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
      unsigned char header[24] = {'C', 'N', 'N', 'C', 'W', '0', '0', '1'};
      for (int i = 0; i < 8; ++i) {
        header[8 + i] = static_cast<unsigned char>(count >> (8 * i));
        header[16 + i] = static_cast<unsigned char>(hash >> (8 * i));
      }
      w.write(reinterpret_cast<const char*>(header), sizeof header);
    }
    w.write(reinterpret_cast<const char*>(bytes), static_cast<std::streamsize>(count));
    if (!w) throw std::runtime_error(fmt::format("cannot write '{}'", path.string()));
  }
  // The weights go in as bytes: an assembler .incbin, not a C array that a
  // compiler would parse for minutes.
  write_text(work / (name + "_weights.s"),
             fmt::format(".section .rodata\n.balign 64\n.global {0}_weights\n{0}_weights:\n"
                         ".incbin \"{1}\"\n.byte 0\n.section .note.GNU-stack,\"\",%progbits\n",
                         name, fs::absolute(work / (name + "_weights.bin")).string()));
  // The host's compiler for the host; clang for another machine (objects
  // only: the caller links them with that machine's toolchain).
  std::vector<std::string> cc{c_compiler()};
  if (!triple.empty()) cc = {"clang", "--target=" + triple};
  const auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), cc.begin(), cc.end());
    return args;
  };
  const fs::path plan_o = work / (name + "_model.o"), weights_o = work / (name + "_weights.o");
  std::vector<std::string> compile_plan{"-O2", "-fPIC", "-std=c11", "-I", work.string()};
  compile_plan.insert(compile_plan.end(), model.plan_flags.begin(), model.plan_flags.end());
  compile_plan.insert(compile_plan.end(),
                      {"-c", (work / (name + "_model.c")).string(), "-o", plan_o.string()});
  run_tool(with(compile_plan), "compiling the plan of " + name, kInstallCompiler);
  if (!options.external_weights)
    run_tool(with({"-c", (work / (name + "_weights.s")).string(), "-o", weights_o.string()}),
             "assembling the weights of " + name, kInstallCompiler);
  // Members keep their cache names (k<hash>.o): the same kernel in two
  // models' archives is the same member, and the linker takes one.
  std::vector<std::string> ar{triple.empty() ? "ar" : "llvm-ar", "rcs",
                              made(files.library).string(), plan_o.string()};
  if (!options.external_weights) ar.push_back(weights_o.string());
  for (const fs::path& o : model.objects) ar.push_back(o.string());
  fs::remove(made(files.library));
  run_tool(ar, "archiving lib" + name + ".a", "; install binutils (apt-get install binutils)");
  if (options.executable) {
    write_text(work / (name + "_main.c"), main_source);
    std::vector<std::string> link{"-O2",
                                  "-std=c11",
                                  "-I",
                                  work.string(),
                                  (work / (name + "_main.c")).string(),
                                  made(files.library).string(),
                                  "-lstb"};
    link.insert(link.end(), model.link_flags.begin(), model.link_flags.end());
    link.insert(link.end(), {"-o", made(files.executable).string()});
    run_tool(with(link), "building the program " + name, kInstallCompiler);
  }
  for (const fs::path& path : {files.weights, files.library, files.header, files.executable})
    if (!path.empty()) fs::rename(made(path), path);
  return files;
}

}  // namespace cnnc::backends::native
