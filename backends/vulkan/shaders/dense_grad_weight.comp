#version 450
#extension GL_GOOGLE_include_directive : require
// dense_grad_weight: dW[u, f] = sum over the batch of dy[b, u] x[b, f], the
// batch shared by p.lanes invocations (reduce_lanes.glsl).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 2) writeonly buffer WeightGrad { float result[]; };
layout(push_constant) uniform Push { uint units, features, outputs, terms, lanes; } p;

uint unit, feature;

void prepare(uint o) {
  unit = o / p.features;
  feature = o % p.features;
}

float term(uint b) {
  return dy[b * p.units + unit] * x[b * p.features + feature];
}

#include "reduce_lanes.glsl"
