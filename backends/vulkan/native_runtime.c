/* The Vulkan runtime of a model compiled by `cnnc compile --backend vulkan`:
 * carried as text by cnnc and compiled into each model's library, every
 * function static, so models link together without sharing symbols. It
 * opens a device, creates the plan's buffers and pipelines, uploads the
 * parameters, records every dispatch once into a command buffer, and per run
 * copies the inputs in, replays it and copies the outputs out.
 *
 * Device: $CNNC_VULKAN_DEVICE (an index as `cnnc devices` lists them), else
 * the first discrete GPU, integrated GPU, virtual GPU, then CPU with a
 * compute queue. $CNNC_VULKAN_VALIDATION=1 turns the Khronos validation
 * layer on and fails a create or run it says anything about;
 * $CNNC_VULKAN_STAGING=1 keeps the tensors in memory the host cannot map, as
 * on a discrete GPU. Each instance has its own device and queue: instances
 * run in parallel, one instance runs one call at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vulkan/vulkan.h>

typedef struct vkr_binding {
  uint32_t buffer; /* VKR_ARENA, VKR_PARAMS, VKR_CONSTANTS */
  uint64_t offset, bytes;
} vkr_binding;

typedef struct vkr_pipeline {
  const uint32_t* spirv;
  size_t spirv_bytes;
  uint32_t bindings, push_bytes;
  const uint32_t* specialization; /* constant 0 (the workgroup size), then 1.. */
  uint32_t specialization_count;
} vkr_pipeline;

typedef struct vkr_dispatch {
  const char* layer;
  uint32_t pipeline, first_binding, first_push;
  uint32_t grid[3];
} vkr_dispatch;

typedef struct vkr_plan {
  const vkr_pipeline* pipelines;
  uint32_t pipeline_count;
  const vkr_dispatch* dispatches;
  uint32_t dispatch_count;
  const vkr_binding* bindings;
  uint32_t binding_count;
  const uint32_t* push;
  const uint32_t* constants;
  uint64_t constant_bytes, arena_bytes, param_bytes;
  const vkr_binding* inputs;
  uint32_t input_count;
  const vkr_binding* outputs;
  uint32_t output_count;
  /* What the device must allow. */
  uint64_t largest_binding;
  uint32_t largest_workgroup, largest_grid[3];
} vkr_plan;

enum { VKR_ARENA, VKR_PARAMS, VKR_CONSTANTS, VKR_STAGING, VKR_BUFFERS };

typedef struct vkr_state {
  const vkr_plan* plan;
  VkInstance instance;
  VkDebugUtilsMessengerEXT messenger;
  VkPhysicalDevice physical;
  VkPhysicalDeviceProperties properties;
  VkDevice device;
  VkQueue queue;
  uint32_t family;
  VkBuffer buffers[VKR_BUFFERS];
  VkDeviceMemory memory[VKR_BUFFERS];
  unsigned char* mapped[VKR_BUFFERS];
  int staged; /* the arena is not host-visible: inputs and outputs pass through staging */
  uint64_t* staging_offsets; /* inputs, then outputs */
  VkShaderModule* modules;
  VkDescriptorSetLayout* set_layouts;
  VkPipelineLayout* layouts;
  VkPipeline* pipelines;
  VkDescriptorPool descriptor_pool;
  VkCommandPool command_pool;
  VkCommandBuffer commands;
  VkFence fence;
  int validation;
  unsigned messages;
  char first_message[320];
} vkr_state;

static int vkr_env_is(const char* name, const char* value) {
  const char* v = getenv(name);
  return v && strcmp(v, value) == 0;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL vkr_on_message(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT type,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  vkr_state* s = (vkr_state*)user;
  (void)type;
  if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
    if (s->messages++ == 0)
      snprintf(s->first_message, sizeof s->first_message, "%s",
               data && data->pMessage ? data->pMessage : "(no message)");
  }
  return VK_FALSE;
}

/* Fails with status 3 and "what: VkResult r" unless r is VK_SUCCESS. */
#define VKR_CHECK(call, what)                                                         \
  do {                                                                                \
    VkResult vkr_result_ = (call);                                                    \
    if (vkr_result_ != VK_SUCCESS) {                                                  \
      snprintf(error, error_size, "%s failed (VkResult %d)", what, (int)vkr_result_); \
      return vkr_result_ == VK_ERROR_OUT_OF_HOST_MEMORY ||                            \
                     vkr_result_ == VK_ERROR_OUT_OF_DEVICE_MEMORY                     \
                 ? 2                                                                  \
                 : 3;                                                                 \
    }                                                                                 \
  } while (0)

static int vkr_validation_said(vkr_state* s, char* error, size_t error_size) {
  if (s->messages == 0) return 0;
  snprintf(error, error_size, "the Vulkan validation layer reported %u message%s: %s", s->messages,
           s->messages == 1 ? "" : "s", s->first_message);
  s->messages = 0;
  return 3;
}

static int vkr_rank(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 3;
    default:
      return 4;
  }
}

/* The compute queue family of `device`, or UINT32_MAX. */
static uint32_t vkr_compute_family(VkPhysicalDevice device) {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, NULL);
  VkQueueFamilyProperties families[16];
  if (count > 16) count = 16;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families);
  for (uint32_t f = 0; f < count; ++f)
    if (families[f].queueFlags & VK_QUEUE_COMPUTE_BIT) return f;
  return UINT32_MAX;
}

static int vkr_open_device(vkr_state* s, char* error, size_t error_size) {
  s->validation = vkr_env_is("CNNC_VULKAN_VALIDATION", "1");
  const char* layers[] = {"VK_LAYER_KHRONOS_validation"};
  const char* extensions[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
  if (s->validation) {
    uint32_t count = 0;
    vkEnumerateInstanceLayerProperties(&count, NULL);
    VkLayerProperties* found = (VkLayerProperties*)calloc(count ? count : 1, sizeof *found);
    if (!found) {
      snprintf(error, error_size, "out of memory");
      return 2;
    }
    vkEnumerateInstanceLayerProperties(&count, found);
    int present = 0;
    for (uint32_t i = 0; i < count; ++i) present |= strcmp(found[i].layerName, layers[0]) == 0;
    free(found);
    if (!present) {
      snprintf(error, error_size,
               "CNNC_VULKAN_VALIDATION=1 but the validation layer is not installed "
               "(apt-get install vulkan-validationlayers)");
      return 1;
    }
  }
  VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                           .pApplicationName = "cnnc compiled model",
                           .apiVersion = VK_API_VERSION_1_1};
  VkDebugUtilsMessengerCreateInfoEXT messenger = {
      .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
      .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
      .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
      .pfnUserCallback = vkr_on_message,
      .pUserData = s};
  VkInstanceCreateInfo instance = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                   .pNext = s->validation ? &messenger : NULL,
                                   .pApplicationInfo = &app,
                                   .enabledLayerCount = s->validation ? 1u : 0u,
                                   .ppEnabledLayerNames = layers,
                                   .enabledExtensionCount = s->validation ? 1u : 0u,
                                   .ppEnabledExtensionNames = extensions};
  VkResult r = vkCreateInstance(&instance, NULL, &s->instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER || r == VK_ERROR_INITIALIZATION_FAILED) {
    snprintf(error, error_size,
             "no Vulkan driver (VkResult %d): install one, e.g. mesa-vulkan-drivers", (int)r);
    return 3;
  }
  VKR_CHECK(r, "vkCreateInstance");
  if (s->validation) {
    PFN_vkCreateDebugUtilsMessengerEXT create =
        (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(s->instance,
                                                                  "vkCreateDebugUtilsMessengerEXT");
    if (!create) {
      snprintf(error, error_size, "vkCreateDebugUtilsMessengerEXT is missing");
      return 3;
    }
    VKR_CHECK(create(s->instance, &messenger, NULL, &s->messenger),
              "vkCreateDebugUtilsMessengerEXT");
  }

  uint32_t count = 0;
  VKR_CHECK(vkEnumeratePhysicalDevices(s->instance, &count, NULL), "vkEnumeratePhysicalDevices");
  VkPhysicalDevice devices[32];
  if (count > 32) count = 32;
  if (count == 0) {
    snprintf(error, error_size,
             "no Vulkan device: install a driver, e.g. mesa-vulkan-drivers (lavapipe runs on the "
             "CPU)");
    return 3;
  }
  VKR_CHECK(vkEnumeratePhysicalDevices(s->instance, &count, devices), "vkEnumeratePhysicalDevices");
  const char* chosen = getenv("CNNC_VULKAN_DEVICE");
  if (chosen && *chosen) {
    char* end = NULL;
    const long index = strtol(chosen, &end, 10);
    if (*end || index < 0 || (uint32_t)index >= count) {
      snprintf(error, error_size, "CNNC_VULKAN_DEVICE=%s: there are %u Vulkan devices (0 to %u)",
               chosen, count, count - 1);
      return 1;
    }
    s->physical = devices[index];
    if (vkr_compute_family(s->physical) == UINT32_MAX) {
      snprintf(error, error_size, "CNNC_VULKAN_DEVICE=%s has no compute queue", chosen);
      return 1;
    }
  } else {
    int best = 5;
    for (uint32_t i = 0; i < count; ++i) {
      VkPhysicalDeviceProperties p;
      vkGetPhysicalDeviceProperties(devices[i], &p);
      if (vkr_compute_family(devices[i]) != UINT32_MAX && vkr_rank(p.deviceType) < best) {
        best = vkr_rank(p.deviceType);
        s->physical = devices[i];
      }
    }
    if (!s->physical) {
      snprintf(error, error_size, "none of the %u Vulkan devices has a compute queue", count);
      return 3;
    }
  }
  vkGetPhysicalDeviceProperties(s->physical, &s->properties);
  s->family = vkr_compute_family(s->physical);

  /* The plan was made for limits every device has; these it needs beyond. */
  const vkr_plan* plan = s->plan;
  const VkPhysicalDeviceLimits* limits = &s->properties.limits;
  const char* why = NULL;
  if (plan->largest_binding > limits->maxStorageBufferRange)
    why = "a tensor is larger than one storage binding may cover (maxStorageBufferRange)";
  else if (plan->largest_workgroup > limits->maxComputeWorkGroupInvocations ||
           plan->largest_workgroup > limits->maxComputeWorkGroupSize[0])
    why = "a workgroup is larger than the device allows (maxComputeWorkGroupInvocations)";
  else if (plan->largest_grid[0] > limits->maxComputeWorkGroupCount[0] ||
           plan->largest_grid[1] > limits->maxComputeWorkGroupCount[1] ||
           plan->largest_grid[2] > limits->maxComputeWorkGroupCount[2])
    why = "a dispatch has more workgroups than the device allows (maxComputeWorkGroupCount)";
  else if (limits->minStorageBufferOffsetAlignment > 256)
    why = "the device aligns storage bindings to more than 256 bytes";
  if (why) {
    snprintf(error, error_size, "%s: %s; compile with a smaller batch or --schedule",
             s->properties.deviceName, why);
    return 1;
  }

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                   .queueFamilyIndex = s->family,
                                   .queueCount = 1,
                                   .pQueuePriorities = &priority};
  VkDeviceCreateInfo device = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                               .queueCreateInfoCount = 1,
                               .pQueueCreateInfos = &queue};
  VKR_CHECK(vkCreateDevice(s->physical, &device, NULL, &s->device), "vkCreateDevice");
  vkGetDeviceQueue(s->device, s->family, 0, &s->queue);
  return 0;
}

/* A memory type of `bits` with `flags`, or UINT32_MAX. */
static uint32_t vkr_memory_type(const vkr_state* s, uint32_t bits, VkMemoryPropertyFlags flags) {
  VkPhysicalDeviceMemoryProperties memory;
  vkGetPhysicalDeviceMemoryProperties(s->physical, &memory);
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i)
    if ((bits & (1u << i)) && (memory.memoryTypes[i].propertyFlags & flags) == flags) return i;
  return UINT32_MAX;
}

/* Buffer `which` of `bytes`: device-local and mapped where the device has
 * such memory and is not discrete (one memory for both there), device-local
 * unmapped for the arena and parameters otherwise (staged), host-visible
 * for the constants and the staging buffer. */
static int vkr_create_buffer(vkr_state* s, int which, uint64_t bytes, char* error,
                             size_t error_size) {
  const VkMemoryPropertyFlags host =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  VkBufferCreateInfo info = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                             .size = bytes < 4 ? 4 : bytes,
                             .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                                      VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                      VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                             .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
  VKR_CHECK(vkCreateBuffer(s->device, &info, NULL, &s->buffers[which]), "vkCreateBuffer");
  VkMemoryRequirements needs;
  vkGetBufferMemoryRequirements(s->device, s->buffers[which], &needs);
  uint32_t type = UINT32_MAX;
  int mapped = 1;
  if (which == VKR_ARENA || which == VKR_PARAMS) {
    if (s->properties.deviceType != VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU &&
        !vkr_env_is("CNNC_VULKAN_STAGING", "1"))
      type = vkr_memory_type(s, needs.memoryTypeBits, host | VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (type == UINT32_MAX) {
      type = vkr_memory_type(s, needs.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
      mapped = 0;
    }
  } else {
    type = vkr_memory_type(s, needs.memoryTypeBits, host);
  }
  if (type == UINT32_MAX) {
    snprintf(error, error_size, "%s has no memory type for the model's buffers",
             s->properties.deviceName);
    return 3;
  }
  VkMemoryAllocateInfo allocate = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                   .allocationSize = needs.size,
                                   .memoryTypeIndex = type};
  VkResult r = vkAllocateMemory(s->device, &allocate, NULL, &s->memory[which]);
  if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
    snprintf(error, error_size, "%s has no room for %.1f MiB of memory (VkResult %d)",
             s->properties.deviceName, (double)needs.size / (1 << 20), (int)r);
    return 2;
  }
  VKR_CHECK(r, "vkAllocateMemory");
  VKR_CHECK(vkBindBufferMemory(s->device, s->buffers[which], s->memory[which], 0),
            "vkBindBufferMemory");
  if (mapped) {
    void* p = NULL;
    VKR_CHECK(vkMapMemory(s->device, s->memory[which], 0, VK_WHOLE_SIZE, 0, &p), "vkMapMemory");
    s->mapped[which] = (unsigned char*)p;
  }
  return 0;
}

static void vkr_barrier(VkCommandBuffer commands, VkPipelineStageFlags from,
                        VkAccessFlags written) {
  VkMemoryBarrier barrier = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
      .srcAccessMask = written,
      .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                       VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_HOST_READ_BIT};
  vkCmdPipelineBarrier(commands, from,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT |
                           VK_PIPELINE_STAGE_HOST_BIT,
                       0, 1, &barrier, 0, NULL, 0, NULL);
}

static int vkr_submit_and_wait(vkr_state* s, VkCommandBuffer commands, char* error,
                               size_t error_size) {
  VKR_CHECK(vkResetFences(s->device, 1, &s->fence), "vkResetFences");
  VkSubmitInfo submit = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                         .commandBufferCount = 1,
                         .pCommandBuffers = &commands};
  VKR_CHECK(vkQueueSubmit(s->queue, 1, &submit, s->fence), "vkQueueSubmit");
  VKR_CHECK(vkWaitForFences(s->device, 1, &s->fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
  return 0;
}

/* The parameters into their buffer: directly where it is mapped, else
 * through a host-visible buffer in the staging slot (still empty: called
 * before the inputs' and outputs' staging buffer is made) and one copy. */
static int vkr_upload_params(vkr_state* s, const unsigned char* params, char* error,
                             size_t error_size) {
  const uint64_t bytes = s->plan->param_bytes;
  if (s->mapped[VKR_PARAMS]) {
    memcpy(s->mapped[VKR_PARAMS], params, bytes);
    return 0;
  }
  int status = vkr_create_buffer(s, VKR_STAGING, bytes, error, error_size);
  if (status) return status;
  memcpy(s->mapped[VKR_STAGING], params, bytes);
  VkCommandBuffer commands = VK_NULL_HANDLE;
  VkCommandBufferAllocateInfo allocate = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                          .commandPool = s->command_pool,
                                          .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                          .commandBufferCount = 1};
  VkResult r = vkAllocateCommandBuffers(s->device, &allocate, &commands);
  VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
  if (r == VK_SUCCESS) r = vkBeginCommandBuffer(commands, &begin);
  if (r == VK_SUCCESS) {
    VkBufferCopy region = {.size = bytes};
    vkCmdCopyBuffer(commands, s->buffers[VKR_STAGING], s->buffers[VKR_PARAMS], 1, &region);
    vkr_barrier(commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    r = vkEndCommandBuffer(commands);
  }
  if (r != VK_SUCCESS) {
    snprintf(error, error_size, "recording the parameters' upload failed (VkResult %d)", (int)r);
    status = 3;
  } else {
    status = vkr_submit_and_wait(s, commands, error, error_size);
  }
  if (commands) vkFreeCommandBuffers(s->device, s->command_pool, 1, &commands);
  vkDestroyBuffer(s->device, s->buffers[VKR_STAGING], NULL);
  vkFreeMemory(s->device, s->memory[VKR_STAGING], NULL);
  s->buffers[VKR_STAGING] = VK_NULL_HANDLE;
  s->memory[VKR_STAGING] = VK_NULL_HANDLE;
  s->mapped[VKR_STAGING] = NULL;
  return status;
}

static int vkr_create_pipelines(vkr_state* s, char* error, size_t error_size) {
  const vkr_plan* plan = s->plan;
  const uint32_t n = plan->pipeline_count;
  s->modules = (VkShaderModule*)calloc(n ? n : 1, sizeof *s->modules);
  s->set_layouts = (VkDescriptorSetLayout*)calloc(n ? n : 1, sizeof *s->set_layouts);
  s->layouts = (VkPipelineLayout*)calloc(n ? n : 1, sizeof *s->layouts);
  s->pipelines = (VkPipeline*)calloc(n ? n : 1, sizeof *s->pipelines);
  if (!s->modules || !s->set_layouts || !s->layouts || !s->pipelines) {
    snprintf(error, error_size, "out of memory");
    return 2;
  }
  VkDescriptorSetLayoutBinding slots[16];
  VkSpecializationMapEntry entries[16];
  for (uint32_t p = 0; p < n; ++p) {
    const vkr_pipeline* pipe = &plan->pipelines[p];
    VkShaderModuleCreateInfo module = {.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                       .codeSize = pipe->spirv_bytes,
                                       .pCode = pipe->spirv};
    VKR_CHECK(vkCreateShaderModule(s->device, &module, NULL, &s->modules[p]),
              "vkCreateShaderModule");
    for (uint32_t b = 0; b < pipe->bindings && b < 16; ++b)
      slots[b] = (VkDescriptorSetLayoutBinding){.binding = b,
                                                .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                                .descriptorCount = 1,
                                                .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT};
    VkDescriptorSetLayoutCreateInfo set = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .bindingCount = pipe->bindings,
        .pBindings = slots};
    VKR_CHECK(vkCreateDescriptorSetLayout(s->device, &set, NULL, &s->set_layouts[p]),
              "vkCreateDescriptorSetLayout");
    VkPushConstantRange range = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
                                 .size = pipe->push_bytes};
    VkPipelineLayoutCreateInfo layout = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                         .setLayoutCount = 1,
                                         .pSetLayouts = &s->set_layouts[p],
                                         .pushConstantRangeCount = pipe->push_bytes ? 1u : 0u,
                                         .pPushConstantRanges = &range};
    VKR_CHECK(vkCreatePipelineLayout(s->device, &layout, NULL, &s->layouts[p]),
              "vkCreatePipelineLayout");
    for (uint32_t i = 0; i < pipe->specialization_count && i < 16; ++i)
      entries[i] = (VkSpecializationMapEntry){.constantID = i, .offset = i * 4u, .size = 4};
    VkSpecializationInfo specialization = {.mapEntryCount = pipe->specialization_count,
                                           .pMapEntries = entries,
                                           .dataSize = pipe->specialization_count * 4u,
                                           .pData = pipe->specialization};
    VkComputePipelineCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                  .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                  .module = s->modules[p],
                  .pName = "main",
                  .pSpecializationInfo = &specialization},
        .layout = s->layouts[p]};
    VKR_CHECK(vkCreateComputePipelines(s->device, VK_NULL_HANDLE, 1, &info, NULL, &s->pipelines[p]),
              "vkCreateComputePipelines");
  }
  return 0;
}

/* Every dispatch of a run, once: inputs staged in, each dispatch and a
 * barrier, outputs staged out. */
static int vkr_record(vkr_state* s, char* error, size_t error_size) {
  const vkr_plan* plan = s->plan;
  VkDescriptorPoolSize size = {.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                               .descriptorCount = plan->binding_count ? plan->binding_count : 1};
  VkDescriptorPoolCreateInfo pool = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                     .maxSets = plan->dispatch_count ? plan->dispatch_count : 1,
                                     .poolSizeCount = 1,
                                     .pPoolSizes = &size};
  VKR_CHECK(vkCreateDescriptorPool(s->device, &pool, NULL, &s->descriptor_pool),
            "vkCreateDescriptorPool");
  VkCommandBufferAllocateInfo allocate = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                          .commandPool = s->command_pool,
                                          .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                          .commandBufferCount = 1};
  VKR_CHECK(vkAllocateCommandBuffers(s->device, &allocate, &s->commands),
            "vkAllocateCommandBuffers");
  VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  VKR_CHECK(vkBeginCommandBuffer(s->commands, &begin), "vkBeginCommandBuffer");
  if (s->staged) {
    for (uint32_t i = 0; i < plan->input_count; ++i) {
      VkBufferCopy region = {.srcOffset = s->staging_offsets[i],
                             .dstOffset = plan->inputs[i].offset,
                             .size = plan->inputs[i].bytes};
      vkCmdCopyBuffer(s->commands, s->buffers[VKR_STAGING], s->buffers[VKR_ARENA], 1, &region);
    }
    vkr_barrier(s->commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
  }
  VkDescriptorBufferInfo infos[16];
  VkWriteDescriptorSet writes[16];
  for (uint32_t d = 0; d < plan->dispatch_count; ++d) {
    const vkr_dispatch* dispatch = &plan->dispatches[d];
    const vkr_pipeline* pipe = &plan->pipelines[dispatch->pipeline];
    VkDescriptorSetAllocateInfo set_info = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                            .descriptorPool = s->descriptor_pool,
                                            .descriptorSetCount = 1,
                                            .pSetLayouts = &s->set_layouts[dispatch->pipeline]};
    VkDescriptorSet set;
    VKR_CHECK(vkAllocateDescriptorSets(s->device, &set_info, &set), "vkAllocateDescriptorSets");
    for (uint32_t b = 0; b < pipe->bindings && b < 16; ++b) {
      const vkr_binding* binding = &plan->bindings[dispatch->first_binding + b];
      infos[b] = (VkDescriptorBufferInfo){.buffer = s->buffers[binding->buffer],
                                          .offset = binding->offset,
                                          .range = binding->bytes};
      writes[b] = (VkWriteDescriptorSet){.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                         .dstSet = set,
                                         .dstBinding = b,
                                         .descriptorCount = 1,
                                         .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                         .pBufferInfo = &infos[b]};
    }
    vkUpdateDescriptorSets(s->device, pipe->bindings, writes, 0, NULL);
    vkCmdBindPipeline(s->commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                      s->pipelines[dispatch->pipeline]);
    vkCmdBindDescriptorSets(s->commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                            s->layouts[dispatch->pipeline], 0, 1, &set, 0, NULL);
    if (pipe->push_bytes)
      vkCmdPushConstants(s->commands, s->layouts[dispatch->pipeline], VK_SHADER_STAGE_COMPUTE_BIT,
                         0, pipe->push_bytes, plan->push + dispatch->first_push);
    vkCmdDispatch(s->commands, dispatch->grid[0], dispatch->grid[1], dispatch->grid[2]);
    vkr_barrier(s->commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT);
  }
  if (s->staged) {
    for (uint32_t i = 0; i < plan->output_count; ++i) {
      VkBufferCopy region = {.srcOffset = plan->outputs[i].offset,
                             .dstOffset = s->staging_offsets[plan->input_count + i],
                             .size = plan->outputs[i].bytes};
      vkCmdCopyBuffer(s->commands, s->buffers[VKR_ARENA], s->buffers[VKR_STAGING], 1, &region);
    }
    vkr_barrier(s->commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
  }
  VKR_CHECK(vkEndCommandBuffer(s->commands), "vkEndCommandBuffer");
  return 0;
}

static void vkr_destroy(vkr_state* s) {
  if (!s) return;
  if (s->device) {
    vkDeviceWaitIdle(s->device);
    if (s->fence) vkDestroyFence(s->device, s->fence, NULL);
    if (s->command_pool) vkDestroyCommandPool(s->device, s->command_pool, NULL);
    if (s->descriptor_pool) vkDestroyDescriptorPool(s->device, s->descriptor_pool, NULL);
    for (uint32_t p = 0; p < s->plan->pipeline_count; ++p) {
      if (s->pipelines && s->pipelines[p]) vkDestroyPipeline(s->device, s->pipelines[p], NULL);
      if (s->layouts && s->layouts[p]) vkDestroyPipelineLayout(s->device, s->layouts[p], NULL);
      if (s->set_layouts && s->set_layouts[p])
        vkDestroyDescriptorSetLayout(s->device, s->set_layouts[p], NULL);
      if (s->modules && s->modules[p]) vkDestroyShaderModule(s->device, s->modules[p], NULL);
    }
    for (int b = 0; b < VKR_BUFFERS; ++b) {
      if (s->buffers[b]) vkDestroyBuffer(s->device, s->buffers[b], NULL);
      if (s->memory[b]) vkFreeMemory(s->device, s->memory[b], NULL);
    }
    vkDestroyDevice(s->device, NULL);
  }
  if (s->messenger) {
    PFN_vkDestroyDebugUtilsMessengerEXT destroy =
        (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
            s->instance, "vkDestroyDebugUtilsMessengerEXT");
    if (destroy) destroy(s->instance, s->messenger, NULL);
  }
  if (s->instance) vkDestroyInstance(s->instance, NULL);
  free(s->modules);
  free(s->set_layouts);
  free(s->layouts);
  free(s->pipelines);
  free(s->staging_offsets);
  free(s);
}

static int vkr_create_steps(vkr_state* s, const unsigned char* params, char* error,
                            size_t error_size) {
  const vkr_plan* plan = s->plan;
  int status = vkr_open_device(s, error, error_size);
  if (status) return status;
  VkCommandPoolCreateInfo pool = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                  .queueFamilyIndex = s->family};
  VKR_CHECK(vkCreateCommandPool(s->device, &pool, NULL, &s->command_pool), "vkCreateCommandPool");
  VkFenceCreateInfo fence = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VKR_CHECK(vkCreateFence(s->device, &fence, NULL, &s->fence), "vkCreateFence");
  if ((status = vkr_create_buffer(s, VKR_ARENA, plan->arena_bytes, error, error_size)) ||
      (status = vkr_create_buffer(s, VKR_PARAMS, plan->param_bytes, error, error_size)) ||
      (status = vkr_create_buffer(s, VKR_CONSTANTS, plan->constant_bytes, error, error_size)))
    return status;
  memcpy(s->mapped[VKR_CONSTANTS], plan->constants, plan->constant_bytes);
  if ((status = vkr_upload_params(s, params, error, error_size))) return status;
  s->staged = s->mapped[VKR_ARENA] == NULL;
  const uint32_t tensors = plan->input_count + plan->output_count;
  s->staging_offsets = (uint64_t*)calloc(tensors ? tensors : 1, sizeof(uint64_t));
  if (!s->staging_offsets) {
    snprintf(error, error_size, "out of memory");
    return 2;
  }
  uint64_t staged = 0;
  for (uint32_t i = 0; i < tensors; ++i) {
    const vkr_binding* t =
        i < plan->input_count ? &plan->inputs[i] : &plan->outputs[i - plan->input_count];
    s->staging_offsets[i] = staged;
    staged += (t->bytes + 255) / 256 * 256;
  }
  if (s->staged && (status = vkr_create_buffer(s, VKR_STAGING, staged, error, error_size)))
    return status;
  if ((status = vkr_create_pipelines(s, error, error_size)) ||
      (status = vkr_record(s, error, error_size)))
    return status;
  return vkr_validation_said(s, error, error_size);
}

/* Opens a device and makes `plan` runnable with `params` as its parameter
 * buffer. 0 and *out, or a status with `error` saying why. */
static int vkr_create(const vkr_plan* plan, const unsigned char* params, vkr_state** out,
                      char* error, size_t error_size) {
  *out = NULL;
  vkr_state* s = (vkr_state*)calloc(1, sizeof *s);
  if (!s) {
    snprintf(error, error_size, "out of memory");
    return 2;
  }
  s->plan = plan;
  const int status = vkr_create_steps(s, params, error, error_size);
  if (status) {
    vkr_destroy(s);
    return status;
  }
  *out = s;
  return 0;
}

static int vkr_run(vkr_state* s, const float* const* inputs, float* const* outputs, char* error,
                   size_t error_size) {
  const vkr_plan* plan = s->plan;
  unsigned char* arena = s->staged ? s->mapped[VKR_STAGING] : s->mapped[VKR_ARENA];
  for (uint32_t i = 0; i < plan->input_count; ++i)
    memcpy(arena + (s->staged ? s->staging_offsets[i] : plan->inputs[i].offset), inputs[i],
           plan->inputs[i].bytes);
  const int status = vkr_submit_and_wait(s, s->commands, error, error_size);
  if (status) return status;
  for (uint32_t i = 0; i < plan->output_count; ++i)
    memcpy(
        outputs[i],
        arena + (s->staged ? s->staging_offsets[plan->input_count + i] : plan->outputs[i].offset),
        plan->outputs[i].bytes);
  return vkr_validation_said(s, error, error_size);
}
