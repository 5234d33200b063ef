// conv_transpose2d: scatters every input element through its filter taps,
// the literal adjoint of the conv kernel's gather. The spatial loops are the
// three-axis ones shared with conv, so a 1-D or 3-D form needs only an OpDef.
#include <vector>

#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/activation_apply.h"
#include "backends/reference/kernels/window_geometry.h"

namespace cnnc::backends::reference {

namespace {

void conv_transpose_kernel(const KernelArgs& args) {
  auto [x, w, bias, y, g, batch, channels, filters, cg, kg] = conv_operands(args);

  std::vector<double> acc(static_cast<size_t>(y.size()), 0.0);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t k0 = (c / cg) * kg;
      const float* in = x.raw() + (n * channels + c) * g.in_size();
      for (int64_t k = 0; k < kg; ++k) {
        double* out = acc.data() + (n * filters + k0 + k) * g.out_size();
        const float* wk = w.raw() + (c * kg + k) * g.kernel_size();
        for (int64_t id = 0; id < g.in[0]; ++id)
          for (int64_t ih = 0; ih < g.in[1]; ++ih)
            for (int64_t iw = 0; iw < g.in[2]; ++iw) {
              const double v = in[(id * g.in[1] + ih) * g.in[2] + iw];
              for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                int64_t od = id * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
                if (od < 0 || od >= g.out[0]) continue;
                for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                  int64_t oh = ih * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
                  if (oh < 0 || oh >= g.out[1]) continue;
                  for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                    int64_t ow = iw * g.stride[2] - g.pad_begin[2] + kw * g.dilation[2];
                    if (ow < 0 || ow >= g.out[2]) continue;
                    out[(od * g.out[1] + oh) * g.out[2] + ow] +=
                        v * wk[(kd * g.kernel[1] + kh) * g.kernel[2] + kw];
                  }
                }
              }
            }
      }
    }
  const Activation act = activation_from_attrs(args.node.attrs);
  const int64_t plane = g.out_size();
  for (int64_t i = 0; i < y.size(); ++i) {
    double b = bias ? (*bias)[(i / plane) % filters] : 0.0;
    y[i] = act(static_cast<float>(acc[static_cast<size_t>(i)] + b));
  }
}

}  // namespace

void register_conv_transpose_kernels(KernelTable& table) {
  table.add("conv_transpose2d", conv_transpose_kernel);
}

}  // namespace cnnc::backends::reference
