// conv_transpose_grad_input and conv_transpose_grad_weight: the transposed
// convolution's scatter loops (kernels/conv_transpose.cpp) with the roles of
// its operands exchanged, accumulating in double. The spatial loops are the
// three-axis ones, so 1-D to 3-D forms all run.
#include <vector>

#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/window_geometry.h"

namespace cnnc::backends::reference {

namespace {

// Calls tap(in_index, out_index, weight_index) for every multiply-accumulate
// of the transposed convolution of x (giving y's shape), weight [C, K/groups,
// kernel...].
template <typename Tap>
void for_each_transposed_tap(const ir::AttrMap& attrs, const ir::Shape& x, const ir::Shape& y,
                             Tap tap) {
  const Geometry3 g = geometry3(ir::read_window(attrs, x), x, y);
  const int64_t groups = attrs.get_int("groups");
  const int64_t batch = x[0], channels = x[1], filters = y[1];
  const int64_t cg = channels / groups, kg = filters / groups;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t k0 = (c / cg) * kg;
      const int64_t in_base = (n * channels + c) * g.in_size();
      for (int64_t k = 0; k < kg; ++k) {
        const int64_t out_base = (n * filters + k0 + k) * g.out_size();
        const int64_t w_base = (c * kg + k) * g.kernel_size();
        for (int64_t id = 0; id < g.in[0]; ++id)
          for (int64_t ih = 0; ih < g.in[1]; ++ih)
            for (int64_t iw = 0; iw < g.in[2]; ++iw) {
              const int64_t in = in_base + (id * g.in[1] + ih) * g.in[2] + iw;
              for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                const int64_t od = id * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
                if (od < 0 || od >= g.out[0]) continue;
                for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                  const int64_t oh = ih * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
                  if (oh < 0 || oh >= g.out[1]) continue;
                  for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                    const int64_t ow = iw * g.stride[2] - g.pad_begin[2] + kw * g.dilation[2];
                    if (ow < 0 || ow >= g.out[2]) continue;
                    tap(in, out_base + (od * g.out[1] + oh) * g.out[2] + ow,
                        w_base + (kd * g.kernel[1] + kh) * g.kernel[2] + kw);
                  }
                }
              }
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
  for_each_transposed_tap(args.node.attrs, args.inputs[2]->shape(), dy.shape(),
                          [&](int64_t in, int64_t out, int64_t weight) {
                            dx[static_cast<size_t>(in)] += double{dy[out]} * w[weight];
                          });
  store(dx, args.outputs[0]);
}

void grad_weight_kernel(const KernelArgs& args) {
  const ir::Tensor &dy = *args.inputs[0], &x = *args.inputs[1];
  std::vector<double> dw(static_cast<size_t>(args.outputs[0].size()), 0.0);
  for_each_transposed_tap(args.node.attrs, x.shape(), dy.shape(),
                          [&](int64_t in, int64_t out, int64_t weight) {
                            dw[static_cast<size_t>(weight)] += double{x[in]} * dy[out];
                          });
  store(dw, args.outputs[0]);
}

}  // namespace

void register_conv_transpose_grad_kernels(KernelTable& table) {
  table.add("conv_transpose_grad_input", grad_input_kernel);
  table.add("conv_transpose_grad_weight", grad_weight_kernel);
}

}  // namespace cnnc::backends::reference
