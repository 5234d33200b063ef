// Reference dropout: the identity at inference; in training (the training
// graph's form, with the step counter as input 1) each element is kept with
// probability 1 - rate, by the counter-based mask of ir/ops/dropout_mask.h
// keyed by (seed, step, the layer name's stream), and scaled by
// 1 / (1 - rate).
#include <algorithm>
#include <stdexcept>

#include "backends/reference/kernel_table.h"
#include "ir/ops/dropout_mask.h"

namespace cnnc::backends::reference {

void register_dropout_kernels(KernelTable& table) {
  table.add("dropout", [](const KernelArgs& args) {
    const auto& attrs = args.node.attrs;
    auto in = args.inputs[0]->data();
    if (!(attrs.has("training") && attrs.get_bool("training"))) {
      std::copy(in.begin(), in.end(), args.outputs[0].data().begin());
      return;
    }
    if (args.inputs.size() < 2)
      throw std::runtime_error("layer '" + args.node.name +
                               "': dropout with training=true needs the step counter as input 1");
    const double rate = attrs.get_float("rate"), scale = 1.0 / (1.0 - rate);
    const uint64_t key =
        ir::dropout_mask::key(static_cast<uint64_t>(attrs.has("seed") ? attrs.get_int("seed") : 0),
                              ir::dropout_mask::step_of((*args.inputs[1])[0]),
                              static_cast<uint64_t>(ir::dropout_mask::stream_of(args.node.name)));
    for (size_t i = 0; i < in.size(); ++i)
      args.outputs[0].data()[i] =
          ir::dropout_mask::keep(key, i, rate) ? static_cast<float>(double{in[i]} * scale) : 0.0f;
  });
}

}  // namespace cnnc::backends::reference
