// A C++ wrapper over the C API (cnnc.h): RAII handles, and cnnc::Error
// (with the status) instead of status codes.
//
//   cnnc::Model model("lenet5.cnn", "lenet.safetensors");   // or cnnc::Model
//   model(lenet_compiled); cnnc::Session session(model); std::vector<cnnc::Output> out =
//   session.run({{image, {1, 1, 28, 28}}});
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cnnc/cnnc.h"

namespace cnnc {

struct Error : std::runtime_error {
  Error(cnnc_status s, const std::string& what) : std::runtime_error(what), status(s) {}
  cnnc_status status;
};

struct Input {
  const float* data;
  std::vector<int64_t> dims;
};

struct Output {
  std::vector<float> values;
  std::vector<int64_t> dims;
};

class Model {
 public:
  // `weights` empty: `options.init` must name an initializer.
  Model(const std::string& model, const std::string& weights,
        const cnnc_model_options* options = nullptr) {
    cnnc_model* m = nullptr;
    check(cnnc_model_load(model.c_str(), weights.empty() ? nullptr : weights.c_str(), options, &m),
          nullptr);
    model_.reset(m);
  }
  // A model compiled by `cnnc compile` and linked in: Model(lenet_compiled).
  explicit Model(const cnnc_compiled_model& compiled) {
    cnnc_model* m = nullptr;
    check(cnnc_model_from_compiled(&compiled, &m), nullptr);
    model_.reset(m);
  }
  cnnc_model* get() const { return model_.get(); }
  size_t input_count() const { return cnnc_model_input_count(model_.get()); }
  size_t output_count() const { return cnnc_model_output_count(model_.get()); }

  static void check(cnnc_status status, const cnnc_session* session) {
    if (status != CNNC_OK) throw Error(status, cnnc_last_error(session));
  }

 private:
  struct Destroy {
    void operator()(cnnc_model* m) const { cnnc_model_destroy(m); }
  };
  std::unique_ptr<cnnc_model, Destroy> model_;
};

// One thread at a time; make one per thread to run a model concurrently.
class Session {
 public:
  explicit Session(const Model& model) {
    cnnc_session* s = nullptr;
    Model::check(cnnc_session_create(model.get(), &s), nullptr);
    session_.reset(s);
    outputs_ = model.output_count();
  }

  std::vector<Output> run(const std::vector<Input>& inputs) {
    std::vector<cnnc_tensor> in;
    for (const Input& i : inputs)
      in.push_back(
          {const_cast<float*>(i.data), const_cast<int64_t*>(i.dims.data()), i.dims.size(), 0});
    std::vector<cnnc_tensor> out(outputs_, cnnc_tensor{nullptr, nullptr, 0, 0});
    Model::check(cnnc_session_run(session_.get(), in.data(), in.size(), out.data(), out.size()),
                 session_.get());
    std::vector<Output> results;
    for (const cnnc_tensor& t : out) {
      Output o;
      o.dims.assign(t.dims, t.dims + t.rank);
      size_t count = 1;
      for (int64_t d : o.dims) count *= static_cast<size_t>(d);
      o.values.assign(t.data, t.data + count);
      results.push_back(std::move(o));
    }
    return results;
  }

 private:
  struct Destroy {
    void operator()(cnnc_session* s) const { cnnc_session_destroy(s); }
  };
  std::unique_ptr<cnnc_session, Destroy> session_;
  size_t outputs_ = 0;
};

}  // namespace cnnc
