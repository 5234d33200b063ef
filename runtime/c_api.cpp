// The C API (runtime/include/cnnc/cnnc.h) over the C++ runtime: every
// exception becomes a status and a message at the boundary, so nothing
// unwinds into C callers.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "cnnc/cnnc.h"
#include "frontend/diagnostics.h"
#include "runtime/io_error.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "runtime/version.h"

namespace {

constexpr size_t kMaxRank = 8;

struct Port {
  std::string name;
  cnnc::ir::Shape shape;  // dim 0 the symbolic batch
};

// The message of this thread's last failed call made without a session.
thread_local std::string thread_error;

// Thrown for the checks this file makes itself, with their status.
struct ApiError : std::runtime_error {
  ApiError(cnnc_status s, const std::string& what) : std::runtime_error(what), status(s) {}
  cnnc_status status;
};

// Runs `body`, turning every exception into a status and `error`'s text.
template <typename Body>
cnnc_status guarded(std::string& error, Body&& body) {
  try {
    body();
    error.clear();
    return CNNC_OK;
  } catch (const ApiError& e) {
    error = e.what();
    return e.status;
  } catch (const cnnc::frontend::ModelError& e) {
    error = e.what();
    return CNNC_ERROR_MODEL;
  } catch (const cnnc::IoError& e) {
    error = e.what();
    return CNNC_ERROR_IO;
  } catch (const std::invalid_argument& e) {
    error = e.what();
    return CNNC_ERROR_SHAPE;
  } catch (const std::bad_alloc&) {
    error = "out of memory";
    return CNNC_ERROR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    error = e.what();
    return CNNC_ERROR_BACKEND;
  } catch (...) {
    error = "an unknown error";
    return CNNC_ERROR_INTERNAL;
  }
}

void require(bool ok, const char* what) {
  if (!ok) throw ApiError(CNNC_ERROR_INVALID_ARGUMENT, what);
}

void describe(const Port& port, const char** name, int64_t* dims, size_t* rank) {
  require(dims && rank, "dims and rank must not be null");
  if (name) *name = port.name.c_str();
  *rank = port.shape.rank();
  for (size_t d = 0; d < port.shape.rank(); ++d)
    dims[d] = d == 0 && port.shape[0] == cnnc::ir::kBatch ? -1 : port.shape[d];
}

}  // namespace

// A `.cnn` model compiled just in time (`executable`), or one compiled by
// `cnnc compile` and linked in (`compiled`, fixed shapes).
struct cnnc_model {
  std::unique_ptr<cnnc::backends::Executable> executable;
  const cnnc_compiled_model* compiled = nullptr;
  std::vector<Port> inputs, outputs;
};

struct cnnc_session {
  cnnc_model* model = nullptr;
  void* instance = nullptr;               // the compiled model's, with its own arena
  std::vector<cnnc::ir::Tensor> results;  // what library-owned outputs point into
  std::vector<std::vector<int64_t>> result_dims;
  std::string error;
};

namespace {

// A compiled model takes exactly the shapes it was compiled for.
std::vector<cnnc::ir::Tensor> run_compiled(cnnc_session& session,
                                           const std::vector<cnnc::ir::Tensor>& inputs) {
  const cnnc_model& m = *session.model;
  std::vector<const float*> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].shape() != m.inputs[i].shape)
      throw ApiError(CNNC_ERROR_SHAPE,
                     fmt::format("cnnc_session_run: input '{}' is {}; {} was compiled for {}",
                                 m.inputs[i].name, cnnc::ir::to_string(inputs[i].shape()),
                                 m.compiled->name, cnnc::ir::to_string(m.inputs[i].shape)));
    in.push_back(inputs[i].raw());
  }
  std::vector<cnnc::ir::Tensor> results;
  std::vector<float*> out;
  for (const Port& o : m.outputs) results.emplace_back(o.shape);
  for (auto& r : results) out.push_back(r.raw());
  if (m.compiled->run(session.instance, in.data(), out.data()) != 0)
    throw ApiError(CNNC_ERROR_BACKEND, fmt::format("cnnc_session_run: {}: {}", m.compiled->name,
                                                   m.compiled->last_error(session.instance)));
  return results;
}

}  // namespace

extern "C" {

cnnc_status cnnc_model_from_compiled(const cnnc_compiled_model* compiled, cnnc_model** model) {
  return guarded(thread_error, [&] {
    require(model != nullptr, "cnnc_model_from_compiled: the model handle pointer is null");
    *model = nullptr;
    require(compiled != nullptr, "cnnc_model_from_compiled: the compiled model is null");
    if (compiled->version != CNNC_COMPILED_MODEL_VERSION)
      throw ApiError(CNNC_ERROR_INVALID_ARGUMENT,
                     fmt::format("cnnc_model_from_compiled: {} was compiled for version {} of "
                                 "this interface; this library has version {}",
                                 compiled->name ? compiled->name : "the model", compiled->version,
                                 CNNC_COMPILED_MODEL_VERSION));
    auto m = std::make_unique<cnnc_model>();
    m->compiled = compiled;
    const auto ports = [](size_t count, const char* const* names, const size_t* ranks,
                          const int64_t* const* dims) {
      std::vector<Port> out;
      for (size_t i = 0; i < count; ++i)
        out.push_back(
            {names[i], cnnc::ir::Shape(std::vector<int64_t>(dims[i], dims[i] + ranks[i]))});
      return out;
    };
    m->inputs = ports(compiled->input_count, compiled->input_names, compiled->input_ranks,
                      compiled->input_dims);
    m->outputs = ports(compiled->output_count, compiled->output_names, compiled->output_ranks,
                       compiled->output_dims);
    *model = m.release();
  });
}

void cnnc_model_options_init(cnnc_model_options* options) {
  if (!options) return;
  *options = cnnc_model_options{.backend = "halide",
                                .threads = 0,
                                .cache_dir = nullptr,
                                .device = -1,
                                .init = nullptr,
                                .seed = 0};
}

cnnc_status cnnc_model_load(const char* model_path, const char* weights_path,
                            const cnnc_model_options* options, cnnc_model** model) {
  return guarded(thread_error, [&] {
    require(model != nullptr, "cnnc_model_load: the model handle pointer is null");
    *model = nullptr;
    require(model_path != nullptr, "cnnc_model_load: the model path is null");
    cnnc_model_options defaults;
    cnnc_model_options_init(&defaults);
    const cnnc_model_options& o = options ? *options : defaults;
    if (!weights_path && !o.init)
      throw ApiError(CNNC_ERROR_INVALID_ARGUMENT,
                     fmt::format("cnnc_model_load: {}: give a weights file, or options.init "
                                 "(\"he\" or \"xavier\") for fresh weights",
                                 model_path));
    // The frontend reports an unreadable file as any other failure; the C
    // API tells it apart (CNNC_ERROR_IO).
    if (std::error_code ec; std::filesystem::is_directory(model_path, ec))
      throw ApiError(CNNC_ERROR_IO,
                     fmt::format("{}: is a directory, not a model file", model_path));
    if (std::ifstream probe(model_path); !probe)
      throw ApiError(CNNC_ERROR_IO, fmt::format("{}: cannot open model file: {}", model_path,
                                                std::strerror(errno)));
    cnnc::Registry& registry = cnnc::global_registry();
    cnnc::ModelOptions load;
    load.weights = weights_path ? weights_path : "";
    load.init = weights_path ? "" : o.init;
    load.seed = o.seed;
    const std::string backend_name = o.backend ? o.backend : "halide";
    cnnc::backends::Backend* backend = registry.backends.find(backend_name);
    if (!backend)
      throw ApiError(CNNC_ERROR_INVALID_ARGUMENT,
                     fmt::format("cnnc_model_load: no backend '{}'", backend_name));
    auto m = std::make_unique<cnnc_model>();
    const cnnc::ir::Graph graph = cnnc::load_model(model_path, registry, load);
    for (cnnc::ir::NodeId id : graph.input_nodes())
      m->inputs.push_back({graph.node(id).name, graph.node(id).outputs.at(0)});
    for (const cnnc::ir::TensorRef& t : graph.outputs())
      m->outputs.push_back({graph.node(t.node).name, graph.shape_of(t)});
    m->executable = backend->compile(
        graph,
        {.threads = o.threads, .cache_dir = o.cache_dir ? o.cache_dir : "", .device = o.device});
    *model = m.release();
  });
}

void cnnc_model_destroy(cnnc_model* model) {
  delete model;
}

size_t cnnc_model_input_count(const cnnc_model* model) {
  return model ? model->inputs.size() : 0;
}

size_t cnnc_model_output_count(const cnnc_model* model) {
  return model ? model->outputs.size() : 0;
}

cnnc_status cnnc_model_input(const cnnc_model* model, size_t index, const char** name,
                             int64_t* dims, size_t* rank) {
  return guarded(thread_error, [&] {
    require(model != nullptr, "cnnc_model_input: the model is null");
    if (index >= model->inputs.size())
      throw ApiError(CNNC_ERROR_INVALID_ARGUMENT,
                     fmt::format("cnnc_model_input: the model has {} input(s), asked for #{}",
                                 model->inputs.size(), index));
    describe(model->inputs[index], name, dims, rank);
  });
}

cnnc_status cnnc_model_output(const cnnc_model* model, size_t index, const char** name,
                              int64_t* dims, size_t* rank) {
  return guarded(thread_error, [&] {
    require(model != nullptr, "cnnc_model_output: the model is null");
    if (index >= model->outputs.size())
      throw ApiError(CNNC_ERROR_INVALID_ARGUMENT,
                     fmt::format("cnnc_model_output: the model has {} output(s), asked for #{}",
                                 model->outputs.size(), index));
    describe(model->outputs[index], name, dims, rank);
  });
}

cnnc_status cnnc_session_create(cnnc_model* model, cnnc_session** session) {
  return guarded(thread_error, [&] {
    require(session != nullptr, "cnnc_session_create: the session handle pointer is null");
    *session = nullptr;
    require(model != nullptr, "cnnc_session_create: the model is null");
    auto s = std::make_unique<cnnc_session>();
    s->model = model;
    if (model->compiled && model->compiled->create(&s->instance) != 0)
      throw ApiError(
          CNNC_ERROR_OUT_OF_MEMORY,
          fmt::format("cnnc_session_create: {}: no memory for its arena", model->compiled->name));
    *session = s.release();
  });
}

void cnnc_session_destroy(cnnc_session* session) {
  if (session && session->instance) session->model->compiled->destroy(session->instance);
  delete session;
}

cnnc_status cnnc_session_run(cnnc_session* session, const cnnc_tensor* inputs, size_t input_count,
                             cnnc_tensor* outputs, size_t output_count) {
  if (!session) {
    thread_error = "cnnc_session_run: the session is null";
    return CNNC_ERROR_INVALID_ARGUMENT;
  }
  return guarded(session->error, [&] {
    const cnnc_model& m = *session->model;
    if (input_count != m.inputs.size() || output_count != m.outputs.size())
      throw ApiError(CNNC_ERROR_SHAPE,
                     fmt::format("cnnc_session_run: the model takes {} input(s) and gives {} "
                                 "output(s); given {} and {}",
                                 m.inputs.size(), m.outputs.size(), input_count, output_count));
    require(input_count == 0 || inputs, "cnnc_session_run: inputs is null");
    require(output_count == 0 || outputs, "cnnc_session_run: outputs is null");
    std::vector<cnnc::ir::Tensor> given;
    for (size_t i = 0; i < input_count; ++i) {
      const cnnc_tensor& t = inputs[i];
      if (!t.data || !t.dims || t.rank == 0 || t.rank > kMaxRank)
        throw ApiError(CNNC_ERROR_INVALID_ARGUMENT,
                       fmt::format("cnnc_session_run: input '{}' needs data, dims and a rank of "
                                   "1 to {}",
                                   m.inputs[i].name, kMaxRank));
      cnnc::ir::Shape shape;
      for (size_t d = 0; d < t.rank; ++d) {
        if (t.dims[d] <= 0)
          throw ApiError(CNNC_ERROR_SHAPE,
                         fmt::format("cnnc_session_run: input '{}' has dimension {} of size {}",
                                     m.inputs[i].name, d, t.dims[d]));
        shape.dims.push_back(t.dims[d]);
      }
      cnnc::ir::Tensor tensor(shape);
      std::copy_n(t.data, tensor.size(), tensor.data().begin());
      given.push_back(std::move(tensor));
    }
    std::vector<cnnc::ir::Tensor> results =
        m.compiled ? run_compiled(*session, given) : m.executable->run(given);
    for (size_t o = 0; o < output_count; ++o) {
      const cnnc::ir::Tensor& r = results[o];
      cnnc_tensor& out = outputs[o];
      if (out.data) {
        require(out.dims != nullptr,
                "cnnc_session_run: an output with caller-provided data needs dims (room for 8)");
        if (out.capacity < static_cast<size_t>(r.size()))
          throw ApiError(CNNC_ERROR_SHAPE,
                         fmt::format("cnnc_session_run: output '{}' has {} values; its buffer "
                                     "holds {}",
                                     m.outputs[o].name, r.size(), out.capacity));
      }
    }
    session->results = std::move(results);
    session->result_dims.assign(output_count, {});
    for (size_t o = 0; o < output_count; ++o) {
      const cnnc::ir::Tensor& r = session->results[o];
      cnnc_tensor& out = outputs[o];
      session->result_dims[o] = r.shape().dims;
      if (out.data) {
        std::copy(r.data().begin(), r.data().end(), out.data);
        std::copy(r.shape().dims.begin(), r.shape().dims.end(), out.dims);
      } else {
        out.data = const_cast<float*>(r.data().data());
        out.dims = session->result_dims[o].data();
      }
      out.rank = r.shape().rank();
    }
  });
}

const char* cnnc_last_error(const cnnc_session* session) {
  return session ? session->error.c_str() : thread_error.c_str();
}

const char* cnnc_version(void) {
  return cnnc::version();
}

}  // extern "C"
