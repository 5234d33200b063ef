// local2d: conv's loops with the weight chosen by output position.
#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/activation_apply.h"
#include "ir/ops/window.h"

namespace cnnc::backends::reference {

namespace {

void local_kernel(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  const ir::Tensor& w = *args.inputs[1];
  const ir::Tensor* bias = args.inputs.size() > 2 ? args.inputs[2] : nullptr;
  ir::Tensor& y = args.outputs[0];
  const auto win = ir::read_window(args.node.attrs, x.shape());
  const int64_t batch = x.shape()[0], channels = x.shape()[1], height = x.shape()[2],
                width = x.shape()[3];
  const int64_t filters = y.shape()[1], out_h = y.shape()[2], out_w = y.shape()[3];
  const int64_t kh = win.kernel[0], kw = win.kernel[1];
  const Activation act = activation_from_attrs(args.node.attrs);

  for (int64_t n = 0; n < batch; ++n)
    for (int64_t k = 0; k < filters; ++k)
      for (int64_t oh = 0; oh < out_h; ++oh)
        for (int64_t ow = 0; ow < out_w; ++ow) {
          double acc = bias ? (*bias)[(k * out_h + oh) * out_w + ow] : 0.0;
          const float* wk = w.raw() + ((oh * out_w + ow) * filters + k) * channels * kh * kw;
          for (int64_t c = 0; c < channels; ++c)
            for (int64_t r = 0; r < kh; ++r) {
              int64_t ih = oh * win.stride[0] - win.pad_begin[0] + r;
              if (ih < 0 || ih >= height) continue;
              for (int64_t s = 0; s < kw; ++s) {
                int64_t iw = ow * win.stride[1] - win.pad_begin[1] + s;
                if (iw < 0 || iw >= width) continue;
                acc += double(x[((n * channels + c) * height + ih) * width + iw]) *
                       wk[(c * kh + r) * kw + s];
              }
            }
          y[((n * filters + k) * out_h + oh) * out_w + ow] = act(static_cast<float>(acc));
        }
}

}  // namespace

void register_local_kernels(KernelTable& table) {
  table.add("local2d", local_kernel);
}

}  // namespace cnnc::backends::reference
