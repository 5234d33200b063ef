/* The plugin entry point. A plugin is a shared library that exports
 *
 *   extern "C" cnnc_plugin_info_t cnnc_plugin_info(void);
 *
 * returning the API version it was built against and a callback that
 * registers its ops, kernels, passes or backends into a cnnc::Registry.
 * A plugin whose api_version differs from CNNC_PLUGIN_API_VERSION is refused.
 */
#ifndef CNNC_PLUGIN_H
#define CNNC_PLUGIN_H

#define CNNC_PLUGIN_API_VERSION 1

#ifdef __cplusplus
namespace cnnc {
struct Registry;
}
extern "C" {
#endif

typedef struct cnnc_plugin_info_t {
  int api_version;
  const char* name;
  const char* version;
  /* Called once with the process's cnnc::Registry (a `cnnc::Registry*`). */
  void (*register_plugin)(void* registry);
} cnnc_plugin_info_t;

#ifdef __cplusplus
}
#endif

#endif
