// The 18 push-constant words every windowed shader's block ends with
// (backends/vulkan/ops/window3.h writes them): the input and output extents,
// kernel, stride, begin padding and dilation over three spatial axes, depth
// first; a 1-D or 2-D layer has extent 1 on the axes it lacks.
#define WINDOW_FIELDS \
  uint id, ih, iw, od, oh, ow, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw
