#version 450
#extension GL_GOOGLE_include_directive : require
// conv_grad_weight of conv1d/2d/3d (1-D and 2-D as 3-D with leading size-1
// axes): dW[k, c, tap] sums dy[n, k, o] * x[n, c, o's tap] over the batch
// and every output position o, a long sum that p.lanes invocations share
// (reduce_lanes.glsl).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 2) writeonly buffer WeightGrad { float result[]; };
layout(push_constant) uniform Push {
  uint n, c;
  uint in_size[3];
  uint k;
  uint out_size[3];
  uint kernel[3];
  uint stride[3];
  uint pad[3];  // at the beginning of each axis
  uint dilation[3];
  uint groups, outputs, terms, lanes;
} p;

// The output being summed: its filter, input channel and the input offset
// of its tap at output position 0 (negative inside the padding).
uint filter_, channel;
int tap_offset[3];

void prepare(uint o) {
  const uint cg = p.c / p.groups, kg = p.k / p.groups;
  const uint tx = o % p.kernel[2], ty = (o / p.kernel[2]) % p.kernel[1];
  const uint tz = (o / (p.kernel[2] * p.kernel[1])) % p.kernel[0];
  const uint rest = o / (p.kernel[2] * p.kernel[1] * p.kernel[0]);
  filter_ = rest / cg;
  channel = (filter_ / kg) * cg + rest % cg;
  tap_offset[0] = int(tz * p.dilation[0]) - int(p.pad[0]);
  tap_offset[1] = int(ty * p.dilation[1]) - int(p.pad[1]);
  tap_offset[2] = int(tx * p.dilation[2]) - int(p.pad[2]);
}

// Term j: output position j of the batch, in dy's order.
float term(uint j) {
  const uint ox = j % p.out_size[2], oy = (j / p.out_size[2]) % p.out_size[1];
  const uint oz = (j / (p.out_size[2] * p.out_size[1])) % p.out_size[0];
  const uint out_spatial = p.out_size[0] * p.out_size[1] * p.out_size[2];
  const uint b = j / out_spatial;
  const int iz = int(oz * p.stride[0]) + tap_offset[0];
  const int iy = int(oy * p.stride[1]) + tap_offset[1];
  const int ix = int(ox * p.stride[2]) + tap_offset[2];
  if (iz < 0 || iz >= int(p.in_size[0]) || iy < 0 || iy >= int(p.in_size[1]) || ix < 0 ||
      ix >= int(p.in_size[2]))
    return 0.0;
  const uint o = j % out_spatial;
  const uint row = ((b * p.c + channel) * p.in_size[0] + uint(iz)) * p.in_size[1] + uint(iy);
  return dy[(b * p.k + filter_) * out_spatial + o] * x[row * p.in_size[2] + uint(ix)];
}

#include "reduce_lanes.glsl"
