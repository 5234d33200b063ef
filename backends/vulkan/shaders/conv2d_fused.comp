#version 450
#extension GL_GOOGLE_include_directive : require
// A fusion group as one kernel: a 2-D convolution in register tiles of 8
// output channels (as conv2d_tiled.comp), the elementwise layers after it
// (epilogue.glsl), then optionally a 2-D max or average pooling with the
// reference's window rules (as pool.comp), so neither the convolution's
// nor the activations' output is ever written. With pooling, each
// invocation computes the convolution at every tap of its pooling window
// (overlapping windows recompute; the common 2x2 stride-2 window does not).
// Geometry and the epilogue come in the constants buffer k (too many words
// for push constants).
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) readonly buffer Operand0 { float o0[]; };
layout(std430, set = 0, binding = 4) readonly buffer Operand1 { float o1[]; };
layout(std430, set = 0, binding = 5) readonly buffer Operand2 { float o2[]; };
layout(std430, set = 0, binding = 6) readonly buffer Operand3 { float o3[]; };
layout(std430, set = 0, binding = 7) readonly buffer Operand4 { float o4[]; };
layout(std430, set = 0, binding = 8) readonly buffer Operand5 { float o5[]; };
layout(std430, set = 0, binding = 9) readonly buffer Constants { uint k[]; };
layout(std430, set = 0, binding = 10) writeonly buffer Output { float y[]; };

// k[0..18]: n, c, h, w, filters, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw,
// groups, has_bias, act, alpha (the convolution's own activation)
// k[19..35]: pool kind (0 max, 1 avg, 2 none), pool oh, ow, kh, kw, sh, sw,
// ph, pw, dh, dw, count_include_pad, pad_end_h, pad_end_w
#define POOL 19u
#define EPILOGUE 33u

#include "activate.glsl"
#include "epilogue.glsl"

const uint KT = 8u;

void main() {
  const uint n = k[0], c = k[1], h = k[2], wd = k[3], filters = k[4], oh = k[5], ow = k[6];
  const uint kh = k[7], kw = k[8], sh = k[9], sw = k[10], ph = k[11], pw = k[12];
  const uint dh = k[13], dw = k[14], groups = k[15], has_bias = k[16], act = k[17];
  const float alpha = uintBitsToFloat(k[18]);
  const uint pool = k[POOL], poh = k[POOL + 1u], pow_ = k[POOL + 2u];
  const uint tiles = (filters + KT - 1u) / KT;
  const uint i = invocation_index();
  if (i >= n * tiles * poh * pow_) return;
  const uint pixel = i % (poh * pow_), px = pixel % pow_, py = pixel / pow_;
  const uint tile = (i / (poh * pow_)) % tiles, b = i / (poh * pow_ * tiles);
  const uint k0 = tile * KT, cg = c / groups, kg = filters / groups;

  // The pooling window over the convolution's output (1x1 without pooling).
  uint pkh = 1u, pkw = 1u, psh = 1u, psw = 1u, pph = 0u, ppw = 0u, pdh = 1u, pdw = 1u;
  if (pool != 2u) {
    pkh = k[POOL + 3u], pkw = k[POOL + 4u], psh = k[POOL + 5u], psw = k[POOL + 6u];
    pph = k[POOL + 7u], ppw = k[POOL + 8u], pdh = k[POOL + 9u], pdw = k[POOL + 10u];
  }
  const int y0 = int(py * psh) - int(pph), x0 = int(px * psw) - int(ppw);
  float best[KT], sum[KT];
  for (uint j = 0u; j < KT; ++j) best[j] = -1.0 / 0.0, sum[j] = 0.0;
  uint count = 0u;
  for (uint qy = 0u; qy < pkh; ++qy) {
    const int oy = y0 + int(qy * pdh);
    if (oy < 0 || oy >= int(oh)) continue;
    for (uint qx = 0u; qx < pkw; ++qx) {
      const int ox = x0 + int(qx * pdw);
      if (ox < 0 || ox >= int(ow)) continue;
      float acc[KT];
      for (uint j = 0u; j < KT; ++j) acc[j] = (has_bias != 0u && k0 + j < filters) ? bias[k0 + j] : 0.0;
      // A tile whose channels span two groups (kg not a multiple of 8)
      // takes each channel's own group.
      const bool one_group = (k0 / kg) == (min(k0 + KT, filters) - 1u) / kg;
      for (uint ty = 0u; ty < kh; ++ty) {
        const int iy = oy * int(sh) + int(ty * dh) - int(ph);
        if (iy < 0 || iy >= int(h)) continue;
        for (uint tx = 0u; tx < kw; ++tx) {
          const int ix = ox * int(sw) + int(tx * dw) - int(pw);
          if (ix < 0 || ix >= int(wd)) continue;
          if (one_group) {
            const uint c0 = (k0 / kg) * cg, wstride = cg * kh * kw;
            for (uint ci = 0u; ci < cg; ++ci) {
              const float v = x[((b * c + c0 + ci) * h + uint(iy)) * wd + uint(ix)];
              const uint wbase = (ci * kh + ty) * kw + tx;
              for (uint j = 0u; j < KT; ++j)
                if (k0 + j < filters) acc[j] += v * w[(k0 + j) * wstride + wbase];
            }
          } else {
            for (uint j = 0u; j < KT && k0 + j < filters; ++j) {
              const uint c0 = ((k0 + j) / kg) * cg;
              for (uint ci = 0u; ci < cg; ++ci)
                acc[j] += x[((b * c + c0 + ci) * h + uint(iy)) * wd + uint(ix)] *
                          w[(((k0 + j) * cg + ci) * kh + ty) * kw + tx];
            }
          }
        }
      }
      for (uint j = 0u; j < KT && k0 + j < filters; ++j) {
        const uint at = ((b * filters + k0 + j) * oh + uint(oy)) * ow + uint(ox);
        const float v = epilogue(activate(acc[j], act, alpha), k0 + j, at);
        best[j] = max(best[j], v);
        sum[j] += v;
      }
      ++count;
    }
  }
  for (uint j = 0u; j < KT && k0 + j < filters; ++j) {
    float result = best[j];
    if (pool == 1u) {
      int divisor = int(count);
      if (k[POOL + 11u] != 0u)
        divisor = (min(y0 + int(pkh), int(oh + k[POOL + 12u])) - y0) *
                  (min(x0 + int(pkw), int(ow + k[POOL + 13u])) - x0);
      result = sum[j] / float(max(divisor, 1));
    }
    y[((b * filters + k0 + j) * poh + py) * pow_ + px] = result;
  }
}
