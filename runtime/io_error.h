// The error every runtime reader and writer throws for a file a user gave:
// missing, unreadable, truncated or malformed. The message names the file and,
// where there is one, the tensor.
#pragma once

#include <stdexcept>

namespace cnnc {

struct IoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace cnnc
