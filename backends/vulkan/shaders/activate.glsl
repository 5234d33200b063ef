// The activations the shaders share, with the reference backend's
// definitions: 0 none, 1 relu, 2 relu6, 3 leaky_relu (alpha: the slope),
// 4 tanh, 5 sigmoid, 6 elu (alpha: the scale). Included by the .comp files.
float activate(float v, uint act, float alpha) {
  if (act == 1u) return max(v, 0.0);
  if (act == 2u) return clamp(v, 0.0, 6.0);
  if (act == 3u) return v > 0.0 ? v : alpha * v;
  if (act == 4u) return tanh(v);
  if (act == 5u) return 1.0 / (1.0 + exp(-v));
  if (act == 6u) return v > 0.0 ? v : alpha * (exp(v) - 1.0);
  return v;
}
