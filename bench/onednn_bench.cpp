// oneDNN's side of the single-layer benchmarks (Debian's libdnnl, OpenMP
// threading). For each layer case of bench/cases.json:
//   layer/X    the convolution primitive alone, src/weights/dst in the
//              layouts oneDNN picks (format_tag::any), inputs already
//              reordered; the fused case adds bias and a ReLU post-op and
//              times a max-pooling primitive after it;
//   reorder/X  what an NCHW caller pays on top: src NCHW -> oneDNN's layout
//              and the result back to NCHW (weights are reordered once).
//
//   onednn_bench [Google Benchmark flags] [--threads 2] [--cases FILE]
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "bench/bench_cases.h"
#include "bench/prepare_once.h"

namespace cnnc::bench {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

void fill_random(memory& m, std::mt19937& rng) {
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  auto* p = static_cast<float*>(m.get_data_handle());
  size_t n = m.get_desc().get_size() / sizeof(float);
  for (size_t i = 0; i < n; ++i) p[i] = uniform(rng);
}

// The primitives of one case, created once per process with their memories.
struct Layer {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  memory user_src, user_dst;                 // NCHW, what a caller holds
  memory src, weights, bias, conv_dst, dst;  // oneDNN's layouts; dst == conv_dst unless fused
  dnnl::convolution_forward conv;
  std::optional<dnnl::pooling_forward> pool;
  std::optional<dnnl::reorder> src_in, dst_out;  // absent when the layouts already agree
  std::string impl;                              // e.g. "jit:avx2" (+ the pooling's)

  void run_layer() {
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, conv_dst}};
    if (bias) args[DNNL_ARG_BIAS] = bias;
    conv.execute(stream, args);
    if (pool) pool->execute(stream, {{DNNL_ARG_SRC, conv_dst}, {DNNL_ARG_DST, dst}});
    stream.wait();
  }
  void run_reorders() {
    if (src_in) src_in->execute(stream, user_src, src);
    if (dst_out) dst_out->execute(stream, dst, user_dst);
    stream.wait();
  }
};

std::unique_ptr<Layer> make_layer(const BenchCase& c) {
  const ConvSpec& s = *c.conv;
  auto l = std::make_unique<Layer>();
  std::mt19937 rng(1);
  memory::dims src_dims{c.batch, s.C, s.H, s.W};
  memory::dims conv_dst_dims{c.batch, s.K, s.out_h(), s.out_w()};
  memory::dims weight_dims = s.groups > 1
                                 ? memory::dims{s.groups, s.K / s.groups, s.C / s.groups, s.R, s.S}
                                 : memory::dims{s.K, s.C, s.R, s.S};
  memory::dims strides{s.stride, s.stride}, padding{s.pad, s.pad};
  memory::desc src_any(src_dims, dt::f32, tag::any), weights_any(weight_dims, dt::f32, tag::any),
      dst_any(conv_dst_dims, dt::f32, tag::any);
  auto prop = dnnl::prop_kind::forward_inference;
  auto algo = dnnl::algorithm::convolution_direct;
  dnnl::primitive_attr attr;
  std::optional<dnnl::convolution_forward::desc> desc;
  if (c.fused) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
    memory::desc bias_any({s.K}, dt::f32, tag::any);
    desc.emplace(prop, algo, src_any, weights_any, bias_any, dst_any, strides, padding, padding);
  } else {
    desc.emplace(prop, algo, src_any, weights_any, dst_any, strides, padding, padding);
  }
  dnnl::convolution_forward::primitive_desc pd(*desc, attr, l->engine);
  l->conv = dnnl::convolution_forward(pd);
  l->impl = pd.impl_info_str();

  l->src = memory(pd.src_desc(), l->engine);
  l->conv_dst = memory(pd.dst_desc(), l->engine);
  l->dst = l->conv_dst;
  memory user_weights({weight_dims, dt::f32, s.groups > 1 ? tag::goihw : tag::oihw}, l->engine);
  fill_random(user_weights, rng);
  l->weights = memory(pd.weights_desc(), l->engine);
  dnnl::reorder(user_weights, l->weights).execute(l->stream, user_weights, l->weights);
  if (c.fused) {
    l->bias = memory(pd.bias_desc(), l->engine);
    fill_random(l->bias, rng);
    memory::dims pool_dims{c.batch, s.K, s.out_h() / 2, s.out_w() / 2};
    dnnl::pooling_forward::desc pool_desc(prop, dnnl::algorithm::pooling_max, pd.dst_desc(),
                                          memory::desc(pool_dims, dt::f32, tag::any), {2, 2},
                                          {2, 2}, {0, 0}, {0, 0});
    dnnl::pooling_forward::primitive_desc pool_pd(pool_desc, l->engine);
    l->pool = dnnl::pooling_forward(pool_pd);
    l->dst = memory(pool_pd.dst_desc(), l->engine);
    l->impl += " + " + std::string(pool_pd.impl_info_str());
  }

  l->user_src = memory({src_dims, dt::f32, tag::nchw}, l->engine);
  fill_random(l->user_src, rng);
  l->user_dst = memory({l->dst.get_desc().dims(), dt::f32, tag::nchw}, l->engine);
  if (l->src.get_desc() != l->user_src.get_desc()) l->src_in.emplace(l->user_src, l->src);
  if (l->dst.get_desc() != l->user_dst.get_desc()) l->dst_out.emplace(l->dst, l->user_dst);
  if (l->src_in)
    l->src_in->execute(l->stream, l->user_src, l->src);
  else
    std::memcpy(l->src.get_data_handle(), l->user_src.get_data_handle(),
                l->src.get_desc().get_size());
  l->stream.wait();
  return l;
}

enum class Part { Layer, Reorders };

void run_case(benchmark::State& state, const BenchCase& c, Part part) {
  Layer* l = prepare_once<Layer>(state, c.name, [&] {
    try {
      auto layer = make_layer(c);
      layer->run_layer();  // warm-up: first-touch of the buffers, oneDNN's lazy init
      layer->run_reorders();
      return layer;
    } catch (const dnnl::error& e) {
      throw std::runtime_error(fmt::format("{}: oneDNN: {}", c.name, e.what()));
    }
  });
  if (!l) return;
  if (part == Part::Layer) {
    for (auto _ : state) l->run_layer();
    state.counters["FLOP/s"] =
        benchmark::Counter(c.conv->flops(c.batch), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["flops"] = c.conv->flops(c.batch);
  } else {
    for (auto _ : state) l->run_reorders();
    state.counters["src_reordered"] = l->src_in ? 1 : 0;
    state.counters["dst_reordered"] = l->dst_out ? 1 : 0;
  }
  state.SetItemsProcessed(state.iterations() * c.batch);
  state.counters["batch"] = static_cast<double>(c.batch);
  state.SetLabel(l->impl);
}

}  // namespace
}  // namespace cnnc::bench

int main(int argc, char** argv) {
  using namespace cnnc::bench;
  benchmark::Initialize(&argc, argv);
  int threads = 2;
  std::string cases_file = CNNC_BENCH_CASES;
  CLI::App app{"oneDNN's single-layer benchmarks (Google Benchmark flags are accepted too)"};
  app.add_option("--threads", threads, "OpenMP threads")->check(CLI::PositiveNumber);
  app.add_option("--cases", cases_file, "the cases file")->check(CLI::ExistingFile);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message or the help
    return e.get_exit_code() == 0 ? 0 : 2;
  }
  // Debian's libdnnl uses the OpenMP runtime: its thread count is OpenMP's.
  omp_set_num_threads(threads);

  std::vector<BenchCase> cases;
  try {
    cases = read_cases(cases_file);
  } catch (const std::exception& e) {
    std::cerr << "onednn_bench: " << e.what() << "\n";
    return 1;
  }
  for (const auto& c : cases) {
    if (!c.conv) continue;
    std::string suffix = c.name.substr(c.name.find('/') + 1);
    for (auto [prefix, part] : {std::pair{"layer/", Part::Layer}, {"reorder/", Part::Reorders}})
      benchmark::RegisterBenchmark((prefix + suffix).c_str(),
                                   [c, part](benchmark::State& s) { run_case(s, c, part); })
          ->Unit(benchmark::kMillisecond)
          // Wall time, also for the rates: the work runs on a thread pool, so
          // the main thread's CPU time says little. Names get "/real_time".
          ->UseRealTime();
  }
  const dnnl_version_t* v = dnnl_version();
  benchmark::AddCustomContext("dnnl_version",
                              fmt::format("{}.{}.{}", v->major, v->minor, v->patch));
  benchmark::AddCustomContext("omp_threads", std::to_string(threads));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
