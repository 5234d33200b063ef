// local_grad_input and local_grad_weight: local2d's loops (kernels/local.cpp)
// with the roles of the operands exchanged, accumulating in double.
#include <vector>

#include "backends/reference/kernel_table.h"
#include "ir/ops/window.h"

namespace cnnc::backends::reference {

namespace {

// Calls tap(out_index, in_index, weight_index) for every multiply-accumulate
// of local2d over x (giving dy's shape), weight [OH, OW, K, C, R, S].
template <typename Tap>
void for_each_tap(const ir::AttrMap& attrs, const ir::Shape& x, const ir::Shape& dy, Tap tap) {
  const auto win = ir::read_window(attrs, x);
  const int64_t batch = x[0], channels = x[1], height = x[2], width = x[3];
  const int64_t filters = dy[1], out_h = dy[2], out_w = dy[3];
  const int64_t kh = win.kernel[0], kw = win.kernel[1];
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t k = 0; k < filters; ++k)
      for (int64_t oh = 0; oh < out_h; ++oh)
        for (int64_t ow = 0; ow < out_w; ++ow) {
          const int64_t out = ((n * filters + k) * out_h + oh) * out_w + ow;
          const int64_t wk = ((oh * out_w + ow) * filters + k) * channels * kh * kw;
          for (int64_t c = 0; c < channels; ++c)
            for (int64_t r = 0; r < kh; ++r) {
              const int64_t ih = oh * win.stride[0] - win.pad_begin[0] + r;
              if (ih < 0 || ih >= height) continue;
              for (int64_t s = 0; s < kw; ++s) {
                const int64_t iw = ow * win.stride[1] - win.pad_begin[1] + s;
                if (iw < 0 || iw >= width) continue;
                tap(out, ((n * channels + c) * height + ih) * width + iw,
                    wk + (c * kh + r) * kw + s);
              }
            }
        }
}

void store(const std::vector<double>& acc, ir::Tensor& out) {
  for (size_t i = 0; i < acc.size(); ++i) out[static_cast<int64_t>(i)] = static_cast<float>(acc[i]);
}

void grad_input_kernel(const KernelArgs& args) {
  const ir::Tensor &dy = *args.inputs[0], &w = *args.inputs[1];
  std::vector<double> dx(static_cast<size_t>(args.outputs[0].size()), 0.0);
  for_each_tap(args.node.attrs, args.inputs[2]->shape(), dy.shape(),
               [&](int64_t out, int64_t in, int64_t weight) {
                 dx[static_cast<size_t>(in)] += double{dy[out]} * w[weight];
               });
  store(dx, args.outputs[0]);
}

void grad_weight_kernel(const KernelArgs& args) {
  const ir::Tensor &dy = *args.inputs[0], &x = *args.inputs[1];
  std::vector<double> dw(static_cast<size_t>(args.outputs[0].size()), 0.0);
  for_each_tap(args.node.attrs, x.shape(), dy.shape(),
               [&](int64_t out, int64_t in, int64_t weight) {
                 dw[static_cast<size_t>(weight)] += double{dy[out]} * x[in];
               });
  store(dw, args.outputs[0]);
}

}  // namespace

void register_local_grad_kernels(KernelTable& table) {
  table.add("local_grad_input", grad_input_kernel);
  table.add("local_grad_weight", grad_weight_kernel);
}

}  // namespace cnnc::backends::reference
