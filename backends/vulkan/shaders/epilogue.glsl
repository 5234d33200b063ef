// The elementwise layers a fused kernel applies after its anchor (the
// conv2d or add that starts the fusion group), in order, read from the
// constants buffer `k` (set up by backends/vulkan/ops/fused.cpp):
//   k[EPILOGUE] = stage count; stage s at k[EPILOGUE + 1 + 3 s]: kind, arg, value
// kind 0: activation `arg` (activate.glsl codes), value = alpha
// kind 1: batchnorm at inference, operands arg..arg+3 = weight, bias,
//         running mean, running variance per channel, value = eps
// kind 2 / 3: add / multiply operand `arg` (a tensor of the output's shape)
// The includer declares the operand buffers o0..o5 and the constants k[],
// and #defines EPILOGUE, then includes activate.glsl and this file.
float operand(uint slot, uint i) {
  if (slot == 0u) return o0[i];
  if (slot == 1u) return o1[i];
  if (slot == 2u) return o2[i];
  if (slot == 3u) return o3[i];
  if (slot == 4u) return o4[i];
  return o5[i];
}

// `v` at flat output index `i` of channel `channel`.
float epilogue(float v, uint channel, uint i) {
  const uint stages = k[EPILOGUE];
  for (uint s = 0u; s < stages; ++s) {
    const uint kind = k[EPILOGUE + 1u + 3u * s], arg = k[EPILOGUE + 2u + 3u * s];
    const float value = uintBitsToFloat(k[EPILOGUE + 3u + 3u * s]);
    if (kind == 0u) {
      v = activate(v, arg, value);
    } else if (kind == 1u) {
      v = (v - operand(arg + 2u, channel)) * inversesqrt(operand(arg + 3u, channel) + value) *
              operand(arg, channel) +
          operand(arg + 1u, channel);
    } else if (kind == 2u) {
      v += operand(arg, i);
    } else {
      v *= operand(arg, i);
    }
  }
  return v;
}
