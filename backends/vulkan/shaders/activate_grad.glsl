// The derivative of the shared activations (activate.glsl's codes) written
// with the activation's output y, as the reference's derivative_from_output:
// the backward keeps only the forward's output. Included by the .comp files.
float activation_derivative(float y, uint act, float alpha) {
  if (act == 1u) return y > 0.0 ? 1.0 : 0.0;
  if (act == 2u) return (y > 0.0 && y < 6.0) ? 1.0 : 0.0;
  if (act == 3u) return y > 0.0 ? 1.0 : alpha;
  if (act == 4u) return 1.0 - y * y;
  if (act == 5u) return y * (1.0 - y);
  if (act == 6u) return y > 0.0 ? 1.0 : y + alpha;
  return 1.0;
}
