// Fusion groups as one dispatch: a conv2d with the elementwise layers after
// it (gemm_fused.comp where the convolution runs as a GEMM) and an optional
// 2-D max/avg pooling at the end (conv2d_fused.comp, register tiles),
// and groups of elementwise layers alone, such as a residual add and its
// activation (elementwise_fused.comp). Elementwise layers fused: the
// activations, batchnorm at inference, and add/mul of a second tensor of
// the chain's shape; at most 6 operand tensors (a batchnorm takes 4).
// Anything else (broadcasting, a pool after elementwise layers alone, a
// dense anchor) is left to run member by member.
#include <optional>
#include <string>

#include "backends/vulkan/lowering.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

namespace {

constexpr uint32_t kOperandSlots = 6;
constexpr uint32_t kTile = 8;  // output channels per invocation, as conv2d_fused.comp

uint32_t u32(int64_t v) {
  return static_cast<uint32_t>(v);
}

bool is_activation(const std::string& op) {
  return op == "relu" || op == "relu6" || op == "leaky_relu" || op == "tanh" || op == "sigmoid" ||
         op == "elu";
}

// The chain of a body: its op nodes in order, each reading the one before.
struct Chain {
  std::vector<ir::NodeId> ops;
  std::vector<ir::NodeId> operands;  // Input/Param nodes bound, in order
  std::vector<uint32_t> stages;      // epilogue words after the count
  std::optional<ir::NodeId> pool;
};

// Appends node `id`'s epilogue stage; false when it is not one the
// shaders have. `chain_input`: the node whose output the stage transforms.
bool add_stage(const ir::Graph& body, ir::NodeId id, ir::NodeId chain_input, Chain& chain) {
  const ir::Node& n = body.node(id);
  const auto inputs = body.inputs_of(id);
  const auto slot = [&] { return static_cast<uint32_t>(chain.operands.size()); };
  if (is_activation(n.op)) {
    const auto [code, alpha] =
        activation_code(n.op, n.attrs.has("alpha") ? n.attrs.get_float("alpha") : 0.0);
    chain.stages.insert(chain.stages.end(), {0u, code, float_word(alpha)});
    return true;
  }
  if (n.op == "batchnorm") {
    if ((n.attrs.has("training") && n.attrs.get_bool("training")) || inputs.size() != 5 ||
        slot() + 4 > kOperandSlots)
      return false;
    chain.stages.insert(chain.stages.end(),
                        {1u, slot(), float_word(static_cast<float>(n.attrs.get_float("eps")))});
    for (size_t i = 1; i < 5; ++i) chain.operands.push_back(inputs[i].node);
    return true;
  }
  if (n.op == "add" || n.op == "mul") {
    if (inputs.size() != 2 || slot() + 1 > kOperandSlots) return false;
    const ir::TensorRef other = inputs[0].node == chain_input ? inputs[1] : inputs[0];
    if (other.node == chain_input || body.shape_of(other) != n.outputs.at(0)) return false;
    const ir::NodeKind kind = body.node(other.node).kind;
    if (kind != ir::NodeKind::Input && kind != ir::NodeKind::Param) return false;
    chain.stages.insert(chain.stages.end(), {n.op == "add" ? 2u : 3u, slot(), 0u});
    chain.operands.push_back(other.node);
    return true;
  }
  return false;
}

std::optional<Chain> read_chain(const ir::Graph& body) {
  Chain chain;
  for (ir::NodeId id : body.topological_order())
    if (body.node(id).kind == ir::NodeKind::Op) chain.ops.push_back(id);
  if (chain.ops.size() < 2 || body.outputs().size() != 1 ||
      body.outputs()[0].node != chain.ops.back())
    return std::nullopt;
  for (size_t i = 1; i < chain.ops.size(); ++i) {
    bool reads_previous = false;
    for (const ir::TensorRef& t : body.inputs_of(chain.ops[i]))
      reads_previous |= t.node == chain.ops[i - 1];
    if (!reads_previous) return std::nullopt;
  }
  return chain;
}

std::vector<uint32_t> window_words(const ir::Window& w) {
  return {u32(w.kernel[0]),    u32(w.kernel[1]),    u32(w.stride[0]),   u32(w.stride[1]),
          u32(w.pad_begin[0]), u32(w.pad_begin[1]), u32(w.dilation[0]), u32(w.dilation[1])};
}

std::optional<FusedDispatch> conv_group(const ir::Graph& body, Chain chain, int64_t batch,
                                        const KernelChoice& choice) {
  const ir::Node& conv = body.node(chain.ops.front());
  const auto conv_inputs = body.inputs_of(chain.ops.front());
  for (const ir::TensorRef& t : conv_inputs) chain.operands.push_back(t.node);
  const size_t conv_operands = chain.operands.size();
  size_t last = chain.ops.size();
  const ir::Node& tail = body.node(chain.ops.back());
  if (tail.op == "maxpool" || tail.op == "avgpool") {
    if (body.shape_of(body.inputs_of(chain.ops.back())[0]).rank() != 4) return std::nullopt;
    chain.pool = chain.ops.back();
    --last;
  }
  // The epilogue's operands are bound after the convolution's three.
  std::vector<ir::NodeId> epilogue_operands;
  std::swap(chain.operands, epilogue_operands);
  for (size_t i = 1; i < last; ++i)
    if (!add_stage(body, chain.ops[i], chain.ops[i - 1], chain)) return std::nullopt;
  std::swap(chain.operands, epilogue_operands);

  const ir::Shape x = body.shape_of(conv_inputs[0]).with_batch(batch);
  const ir::Shape y = conv.outputs.at(0).with_batch(batch);
  std::vector<uint32_t> k =
      conv2d_words(conv, x, body.shape_of(conv_inputs[1]), y, conv_inputs.size() > 2);
  const int64_t groups = conv.attrs.get_int("groups");
  FusedDispatch f;
  f.operands.assign(chain.operands.begin(), chain.operands.begin() + conv_operands);
  if (conv_operands < 3) f.operands.resize(3, kPlaceholderOperand);  // no bias: a placeholder
  f.operands.insert(f.operands.end(), epilogue_operands.begin(), epilogue_operands.end());
  f.operands.resize(3 + kOperandSlots, kPlaceholderOperand);
  const ir::Shape w = body.shape_of(conv_inputs[1]);
  if (!chain.pool && conv_as_gemm(choice, y[1] / groups, w[1] * w[2] * w[3])) {
    // The GEMM with the epilogue; its stages are all the constants.
    f.dispatch =
        gemm_dispatch(0, std::move(k), *choice.gemm, y[1] / groups, y[0] * y[2] * y[3], groups);
    f.dispatch.shader = "gemm_fused";
    f.dispatch.bindings = 3 + kOperandSlots + 2;
    f.dispatch.constants = {static_cast<uint32_t>(chain.stages.size() / 3)};
    f.dispatch.constants.insert(f.dispatch.constants.end(), chain.stages.begin(),
                                chain.stages.end());
    return f;
  }
  ir::Shape out = y;
  if (chain.pool) {
    const ir::Node& pool = body.node(*chain.pool);
    const ir::Window pw = ir::read_window(pool.attrs, y, /*default_stride=*/0);
    out = pool.outputs.at(0).with_batch(batch);
    const bool include_pad =
        pool.attrs.has("count_include_pad") && pool.attrs.get_bool("count_include_pad");
    k.insert(k.end(), {pool.op == "maxpool" ? 0u : 1u, u32(out[2]), u32(out[3])});
    for (uint32_t v : window_words(pw)) k.push_back(v);
    k.insert(k.end(), {include_pad ? 1u : 0u, u32(pw.pad_end[0]), u32(pw.pad_end[1])});
  } else {
    k.insert(k.end(), {2u, u32(y[2]), u32(y[3])});
    k.resize(k.size() + 11, 0u);
  }
  k.push_back(static_cast<uint32_t>(chain.stages.size() / 3));
  k.insert(k.end(), chain.stages.begin(), chain.stages.end());
  const int64_t tiles = (y[1] + kTile - 1) / kTile;
  f.dispatch = {.shader = "conv2d_fused",
                .bindings = 3 + kOperandSlots + 2,
                .invocations = out[0] * tiles * out[2] * out[3],
                .constants = std::move(k)};
  return f;
}

std::optional<FusedDispatch> elementwise_group(const ir::Graph& body, Chain chain, int64_t batch) {
  // The group's data input: what the first member reads that is not an
  // operand of its stage.
  const ir::NodeId first = chain.ops.front();
  const auto first_inputs = body.inputs_of(first);
  if (first_inputs.empty()) return std::nullopt;
  const ir::NodeId data = first_inputs[0].node;
  if (body.node(data).kind != ir::NodeKind::Input) return std::nullopt;
  for (size_t i = 0; i < chain.ops.size(); ++i)
    if (!add_stage(body, chain.ops[i], i == 0 ? data : chain.ops[i - 1], chain))
      return std::nullopt;
  const ir::Shape out = body.node(chain.ops.back()).outputs.at(0).with_batch(batch);
  if (body.shape_of(first_inputs[0]).with_batch(batch) != out) return std::nullopt;
  int64_t inner = 1;
  for (size_t d = 2; d < out.rank(); ++d) inner *= out[d];
  std::vector<uint32_t> k{u32(out.elements()), u32(out.rank() > 1 ? out[1] : 1), u32(inner),
                          static_cast<uint32_t>(chain.stages.size() / 3)};
  k.insert(k.end(), chain.stages.begin(), chain.stages.end());
  FusedDispatch f;
  f.operands = {data};
  f.operands.insert(f.operands.end(), chain.operands.begin(), chain.operands.end());
  f.operands.resize(1 + kOperandSlots, kPlaceholderOperand);
  f.dispatch = {.shader = "elementwise_fused",
                .bindings = 1 + kOperandSlots + 2,
                .invocations = out.elements(),
                .constants = std::move(k)};
  return f;
}

}  // namespace

std::optional<FusedDispatch> lower_fused(const ir::Graph& body, int64_t batch,
                                         const KernelChoice& choice) {
  std::optional<Chain> chain = read_chain(body);
  if (!chain) return std::nullopt;
  const ir::Node& anchor = body.node(chain->ops.front());
  if (anchor.op == "conv2d") {
    if (choice.direct_convolution) return std::nullopt;  // the baseline stays one output each
    return conv_group(body, *chain, batch, choice);
  }
  return elementwise_group(body, *chain, batch);
}

}  // namespace cnnc::backends::vulkan
