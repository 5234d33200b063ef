// The push constants of the locally connected layer's shaders (local2d,
// local_grad_input, local_grad_weight): x [n, c, h, w], dy or y [n, k, oh,
// ow], weight [oh, ow, k, c, kh, kw], stride and begin padding; has_bias,
// act and alpha are the forward's (0 in the gradients).
layout(push_constant) uniform Push {
  uint n, c, k, has_bias, act;
  float alpha;
  uint h, w, oh, ow, kh, kw, sh, sw, ph, pw;
} p;
