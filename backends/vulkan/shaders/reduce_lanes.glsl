// The cooperative sum the reducing shaders share (the entry point): p.lanes
// invocations (a power of two, at most the workgroup, itself a power of
// two) share the terms of one output, each summing a strided part, and add
// their partial sums in a tree in shared memory, so no invocation sums
// millions of terms alone and a short reduction (lanes 1) wastes no
// barriers. Workgroups step over the outputs, so a dispatch never needs
// more workgroups than a device allows.
//
// The including shader declares the push block `p` (with outputs, terms and
// lanes), the output buffer `result`, and:
//   void prepare(uint o)  -- once per output before its terms
//   float term(uint j)    -- term j (0 <= j < p.terms) of that output
shared float partial[gl_WorkGroupSize.x];

void main() {
  const uint size = gl_WorkGroupSize.x, lane = gl_LocalInvocationID.x;
  const uint lanes = min(p.lanes, size), part = lane % lanes, per_group = size / lanes;
  // `first` is the same for the whole workgroup: the barriers stay in uniform control flow.
  for (uint first = gl_WorkGroupID.x * per_group; first < p.outputs;
       first += gl_NumWorkGroups.x * per_group) {
    const uint o = first + lane / lanes;
    float acc = 0.0;
    if (o < p.outputs) {
      prepare(o);
      for (uint j = part; j < p.terms; j += lanes) acc += term(j);
    }
    partial[lane] = acc;
    barrier();
    for (uint s = lanes / 2u; s > 0u; s /= 2u) {
      if (part < s) partial[lane] += partial[lane + s];
      barrier();
    }
    if (part == 0u && o < p.outputs) result[o] = partial[lane];
    barrier();  // the next round's partial sums overwrite these
  }
}
