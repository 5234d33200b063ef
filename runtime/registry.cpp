#include "runtime/registry.h"

#include "backends/halide/halide_backend.h"
#include "backends/reference/reference_backend.h"
#include "backends/vulkan/vulkan_backend.h"

namespace cnnc {

Registry& global_registry() {
  static Registry* registry = [] {
    auto* r = new Registry;  // never destroyed: plugins' code may be unloaded last
    ir::register_builtin_ops(r->ops);
    passes::register_builtin_passes(r->passes);
    backends::reference::register_builtin_kernels(r->reference_kernels);
    r->backends.add(backends::reference::make_reference_backend(r->reference_kernels, &r->ops));
    r->backends.add(backends::halide::make_halide_backend(r->ops));
    r->backends.add(backends::vulkan::make_vulkan_backend(r->ops));
    return r;
  }();
  return *registry;
}

}  // namespace cnnc
