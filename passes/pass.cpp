// PLACEHOLDER: to be written (pass registry and manager).
#include "passes/pass.h"

namespace cnnc::passes {
void register_builtin_passes(PassRegistry&) {}
}  // namespace cnnc::passes
