// conv1d/2d/3d: direct cross-correlation, one output element at a time, with
// a double accumulator so the oracle is more accurate than what it checks.
#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/activation_apply.h"
#include "backends/reference/kernels/window_geometry.h"

namespace cnnc::backends::reference {

namespace {

void conv_kernel(const KernelArgs& args) {
  auto [x, w, bias, y, g, batch, channels, filters, cg, kg] = conv_operands(args);
  const Activation act = activation_from_attrs(args.node.attrs);

  for (int64_t n = 0; n < batch; ++n)
    for (int64_t k = 0; k < filters; ++k) {
      const int64_t c0 = (k / kg) * cg;
      float* out = y.raw() + (n * filters + k) * g.out_size();
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            double acc = bias ? (*bias)[k] : 0.0;
            for (int64_t c = 0; c < cg; ++c) {
              const float* in = x.raw() + (n * channels + c0 + c) * g.in_size();
              const float* wk = w.raw() + (k * cg + c) * g.kernel_size();
              for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                int64_t id = od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
                if (id < 0 || id >= g.in[0]) continue;
                for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                  int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
                  if (ih < 0 || ih >= g.in[1]) continue;
                  for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                    int64_t iw = ow * g.stride[2] - g.pad_begin[2] + kw * g.dilation[2];
                    if (iw < 0 || iw >= g.in[2]) continue;
                    acc += double(in[(id * g.in[1] + ih) * g.in[2] + iw]) *
                           wk[(kd * g.kernel[1] + kh) * g.kernel[2] + kw];
                  }
                }
              }
            }
            out[(od * g.out[1] + oh) * g.out[2] + ow] = act(static_cast<float>(acc));
          }
    }
}

}  // namespace

void register_conv_kernels(KernelTable& table) {
  for (const char* op : {"conv1d", "conv2d", "conv3d"}) table.add(op, conv_kernel);
}

}  // namespace cnnc::backends::reference
