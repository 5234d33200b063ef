#version 450
#extension GL_GOOGLE_include_directive : require
// Max (kind 0), average (kind 1) or L2 (kind 2) pooling over three spatial
// axes, with the reference's window (PyTorch's): per axis it starts at
// o * stride - pad_begin and ends one past its last dilated tap or at the
// end padding, whichever is first; taps outside the input are skipped. The
// average divides by the taps inside, or with count_include_pad by the
// window's extent in the padded input; a window with no tap inside gives
// -inf (max) or 0.
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Output { float y[]; };

#include "window.glsl"

layout(push_constant) uniform Push {
  uint planes, kind, include_pad, ped, peh, pew;
  WINDOW_FIELDS;
} p;

void main() {
  const uint out_size = p.od * p.oh * p.ow;
  const uint i = invocation_index();
  if (i >= p.planes * out_size) return;
  const uint pos = i % out_size, plane = i / out_size;
  const uint ox = pos % p.ow, oy = (pos / p.ow) % p.oh, oz = pos / (p.ow * p.oh);
  const ivec3 start = ivec3(oz * p.sd, oy * p.sh, ox * p.sw) - ivec3(p.pd, p.ph, p.pw);
  const ivec3 dilation = ivec3(p.dd, p.dh, p.dw);
  const ivec3 end = min(start + (ivec3(p.kd, p.kh, p.kw) - 1) * dilation + 1,
                        ivec3(p.id + p.ped, p.ih + p.peh, p.iw + p.pew));
  const uint base = plane * p.id * p.ih * p.iw;
  float best = -1.0 / 0.0, sum = 0.0;
  uint count = 0u;
  for (int iz = start.x; iz < end.x; iz += dilation.x) {
    if (iz < 0 || iz >= int(p.id)) continue;
    for (int iy = start.y; iy < end.y; iy += dilation.y) {
      if (iy < 0 || iy >= int(p.ih)) continue;
      for (int ix = start.z; ix < end.z; ix += dilation.z) {
        if (ix < 0 || ix >= int(p.iw)) continue;
        const float v = x[base + (uint(iz) * p.ih + uint(iy)) * p.iw + uint(ix)];
        best = max(best, v);
        sum += p.kind == 2u ? v * v : v;
        ++count;
      }
    }
  }
  if (p.kind == 0u) {
    y[i] = best;
  } else if (p.kind == 2u) {
    y[i] = sqrt(sum);
  } else {
    const ivec3 extent = end - start;
    const uint divisor = p.include_pad != 0u ? uint(extent.x * extent.y * extent.z) : count;
    y[i] = count == 0u ? 0.0 : sum / float(divisor);
  }
}
