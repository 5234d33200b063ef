// conv_grad_input and conv_grad_weight: the forward convolution's loop nest
// (kernels/conv.cpp) with the roles of its operands exchanged, accumulating
// in double.
#include <vector>

#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/activation_apply.h"
#include "backends/reference/kernels/window_geometry.h"

namespace cnnc::backends::reference {

namespace {

// Calls tap(n, k, c, out_index, in_index, weight_index) for every
// multiply-accumulate of the forward convolution of x (giving dy's shape).
template <typename Tap>
void for_each_tap(const ir::AttrMap& attrs, const ir::Shape& x, const ir::Shape& dy, Tap tap) {
  const Geometry3 g = geometry3(ir::read_window(attrs, x), x, dy);
  const int64_t groups = attrs.get_int("groups");
  const int64_t batch = x[0], channels = x[1], filters = dy[1];
  const int64_t cg = channels / groups, kg = filters / groups;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t k = 0; k < filters; ++k) {
      const int64_t c0 = (k / kg) * cg;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            const int64_t out =
                ((n * filters + k) * g.out[0] + od) * g.out[1] * g.out[2] + oh * g.out[2] + ow;
            for (int64_t c = 0; c < cg; ++c)
              for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                const int64_t id = od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
                if (id < 0 || id >= g.in[0]) continue;
                for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                  const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
                  if (ih < 0 || ih >= g.in[1]) continue;
                  for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                    const int64_t iw = ow * g.stride[2] - g.pad_begin[2] + kw * g.dilation[2];
                    if (iw < 0 || iw >= g.in[2]) continue;
                    const int64_t in =
                        ((n * channels + c0 + c) * g.in[0] + id) * g.in[1] * g.in[2] +
                        ih * g.in[2] + iw;
                    const int64_t weight =
                        ((k * cg + c) * g.kernel[0] + kd) * g.kernel[1] * g.kernel[2] +
                        kh * g.kernel[2] + kw;
                    tap(out, in, weight);
                  }
                }
              }
          }
    }
}

void store(const std::vector<double>& acc, ir::Tensor& out) {
  for (size_t i = 0; i < acc.size(); ++i) out[static_cast<int64_t>(i)] = static_cast<float>(acc[i]);
}

void conv_grad_input_kernel(const KernelArgs& args) {
  const ir::Tensor &dy = *args.inputs[0], &w = *args.inputs[1];
  std::vector<double> dx(static_cast<size_t>(args.outputs[0].size()), 0.0);
  for_each_tap(args.node.attrs, args.inputs[2]->shape(), dy.shape(),
               [&](int64_t out, int64_t in, int64_t weight) {
                 dx[static_cast<size_t>(in)] += double{dy[out]} * w[weight];
               });
  store(dx, args.outputs[0]);
  // A folded activation_grad: x is that activation's output.
  const Activation act = activation_from_attrs(args.node.attrs);
  if (act.kind == ActKind::None) return;
  const ir::Tensor& x = *args.inputs[2];
  for (int64_t i = 0; i < x.size(); ++i)
    args.outputs[0][i] = args.outputs[0][i] * derivative_from_output(act, x[i]);
}

void conv_grad_weight_kernel(const KernelArgs& args) {
  const ir::Tensor &dy = *args.inputs[0], &x = *args.inputs[1];
  std::vector<double> dw(static_cast<size_t>(args.outputs[0].size()), 0.0);
  for_each_tap(args.node.attrs, x.shape(), dy.shape(),
               [&](int64_t out, int64_t in, int64_t weight) {
                 dw[static_cast<size_t>(weight)] += double{dy[out]} * x[in];
               });
  store(dw, args.outputs[0]);
}

}  // namespace

void register_conv_grad_kernels(KernelTable& table) {
  table.add("conv_grad_input", conv_grad_input_kernel);
  table.add("conv_grad_weight", conv_grad_weight_kernel);
}

}  // namespace cnnc::backends::reference
