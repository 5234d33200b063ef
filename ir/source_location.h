// Where a node came from in a model file, through block instantiations.
#pragma once

#include <string>
#include <vector>

namespace cnnc::ir {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 means unknown
  int column = 0;  // 1-based
  int length = 1;  // characters to underline
  bool known() const { return line > 0; }
};

// The innermost location first, then each block instantiation that led to it.
struct SourceTrace {
  SourceLocation location;
  struct Frame {
    std::string block;
    SourceLocation site;
  };
  std::vector<Frame> instantiated_from;

  // "lenet.cnn:4:1" or "resnet.cnn:12:3 (in block bottleneck at resnet.cnn:40:1)"
  std::string describe() const;
};

}  // namespace cnnc::ir
