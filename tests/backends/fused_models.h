// The models every backend's fusion tests run fused against the reference
// unfused (tests/halide/fused_test.cpp, tests/vulkan/fused_test.cpp): conv
// + batchnorm + activation + residual add + activation; 1x1 convolutions
// expanding channels; conv + pooling with and without overlapping windows;
// odd channel counts, strides, dilation, global pooling, dense + softmax;
// depthwise and pointwise convolutions with batchnorm and relu6.
#pragma once

#include "ir/shape.h"

namespace cnnc::test_util {

struct FusedModel {
  const char* name;  // the model's, and its file's under the build tree
  const char* text;  // in the .cnn model format
  ir::Shape input;   // the input the test runs, batch included
};

inline const FusedModel kResidualModel{"residual",
                                       R"(model residual
input x [N, 32, 12, 10]
conv2d    c1 filters=32 kernel=3 pad=1 bias=false
batchnorm bn1
relu      r1
conv2d    c2 filters=32 kernel=3 pad=1 bias=false
batchnorm bn2
add       sum from=bn2,x
relu      out
output out
)",
                                       {2, 32, 12, 10}};

// Channels expanded by 1x1 convolutions on a 28x28 image, with batchnorm,
// a residual add and an odd channel count (36).
inline const FusedModel kPointwiseModel{"pointwise",
                                        R"(model pointwise
input x [N, 16, 28, 28]
conv2d    expand filters=32 kernel=1 bias=false
batchnorm bn1
relu      r1
conv2d    c2 filters=32 kernel=1 bias=false
batchnorm bn2
add       sum from=bn2,r1
relu      r2
conv2d    c3 filters=36 kernel=1 act=relu6
output c3
)",
                                        {2, 16, 28, 28}};

// Pools of non-overlapping windows after a conv (p1, p3) and an
// overlapping one (p2).
inline const FusedModel kPoolsModel{"pools",
                                    R"(model pools
input x [N, 3, 20, 18]
conv2d  c1 filters=16 kernel=3 pad=1 act=relu
maxpool p1 kernel=2 stride=2
conv2d  c2 filters=48 kernel=3 pad=1 act=relu
maxpool p2 kernel=3 stride=2 pad=1
conv2d  c3 filters=6 kernel=1
avgpool p3 kernel=2 stride=2
output p3
)",
                                    {1, 3, 20, 18}};

inline const FusedModel kOddModel{"odd",
                                  R"(model odd
input x [N, 5, 17, 15]
conv2d c1 filters=7 kernel=5 stride=2 pad=2 act=relu
conv2d c2 filters=24 kernel=3 dilation=2 pad=2 act=leaky_relu
global_avgpool g
flatten f
dense  d1 units=32 act=relu
dense  d2 units=10
softmax probs
output probs
)",
                                  {3, 5, 17, 15}};

inline const FusedModel kMobileModel{"mobile",
                                     R"(model mobile
input x [N, 16, 14, 13]
conv2d    dw filters=16 kernel=3 pad=1 groups=16 bias=false
batchnorm bn_dw
relu6     r_dw
conv2d    pw filters=32 kernel=1 bias=false
batchnorm bn_pw
relu6     r_pw
output r_pw
)",
                                     {2, 16, 14, 13}};

}  // namespace cnnc::test_util
