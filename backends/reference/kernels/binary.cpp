// Reference add and mul with numpy-style broadcasting. Each input is read
// through strides over the output's dims, with stride 0 where the input has
// a dim of 1 (or lacks the dim), so one loop serves every broadcast.
#include <vector>

#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

namespace {

// Strides of `in` indexed by the output's dims (right-aligned).
std::vector<int64_t> broadcast_strides(const ir::Shape& in, const ir::Shape& out) {
  std::vector<int64_t> strides(out.rank(), 0);
  int64_t step = 1;
  for (size_t k = 0; k < in.rank(); ++k) {
    size_t di = in.rank() - 1 - k, dout = out.rank() - 1 - k;
    if (in[di] != 1) strides[dout] = step;
    step *= in[di];
  }
  return strides;
}

template <typename Op>
Kernel broadcasting(Op op) {
  return [op](const KernelArgs& args) {
    ir::Tensor& y = args.outputs[0];
    const ir::Shape& shape = y.shape();
    size_t rank = shape.rank();
    std::vector<std::vector<int64_t>> strides;
    for (const ir::Tensor* x : args.inputs) strides.push_back(broadcast_strides(x->shape(), shape));
    std::vector<int64_t> index(rank, 0), offset(args.inputs.size(), 0);
    for (int64_t i = 0; i < y.size(); ++i) {
      float acc = (*args.inputs[0])[offset[0]];
      for (size_t k = 1; k < args.inputs.size(); ++k) acc = op(acc, (*args.inputs[k])[offset[k]]);
      y[i] = acc;
      // Advance the output index like an odometer, moving every input's offset with it.
      for (size_t d = rank; d-- > 0;) {
        for (size_t k = 0; k < offset.size(); ++k) offset[k] += strides[k][d];
        if (++index[d] < shape[d]) break;
        for (size_t k = 0; k < offset.size(); ++k) offset[k] -= strides[k][d] * shape[d];
        index[d] = 0;
      }
    }
  };
}

}  // namespace

void register_binary_kernels(KernelTable& table) {
  table.add("add", broadcasting([](float a, float b) { return a + b; }));
  table.add("mul", broadcasting([](float a, float b) { return a * b; }));
}

}  // namespace cnnc::backends::reference
