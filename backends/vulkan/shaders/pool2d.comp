#version 450
// 2-D max (kind 0) or average (kind 1) pooling with the reference's window
// rules: taps outside the input are skipped; the average divides by the
// taps inside, or with count_include_pad by the window clipped to the
// padded input.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push {
  uint planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, kind, include_pad, pad_end_h, pad_end_w;
} p;

void main() {
  const uint i = gl_GlobalInvocationID.x;
  if (i >= p.planes * p.oh * p.ow) return;
  const uint ox = i % p.ow, oy = (i / p.ow) % p.oh, plane = i / (p.ow * p.oh);
  const int y0 = int(oy * p.sh) - int(p.ph), x0 = int(ox * p.sw) - int(p.pw);
  float best = -1.0 / 0.0, sum = 0.0;
  uint count = 0u;
  for (uint ty = 0u; ty < p.kh; ++ty) {
    const int iy = y0 + int(ty * p.dh);
    if (iy < 0 || iy >= int(p.h)) continue;
    for (uint tx = 0u; tx < p.kw; ++tx) {
      const int ix = x0 + int(tx * p.dw);
      if (ix < 0 || ix >= int(p.w)) continue;
      const float v = x[(plane * p.h + uint(iy)) * p.w + uint(ix)];
      best = max(best, v);
      sum += v;
      ++count;
    }
  }
  if (p.kind == 0u) {
    y[i] = best;
  } else {
    int divisor = int(count);
    if (p.include_pad != 0u)
      divisor = (min(y0 + int(p.kh), int(p.h + p.pad_end_h)) - y0) *
                (min(x0 + int(p.kw), int(p.w + p.pad_end_w)) - x0);
    y[i] = sum / float(max(divisor, 1));
  }
}
