#include "runtime/version.h"

namespace cnnc {
const char* version() {
  return CNNC_VERSION;
}
}  // namespace cnnc
