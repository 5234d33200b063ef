// This invocation's index in a dispatch of more workgroups than one grid
// axis may hold (Vulkan guarantees 65535): the backend spreads a large
// dispatch over rows of gl_NumWorkGroups.x workgroups (grid_of in
// vulkan_backend.cpp); the index runs along the rows.
uint invocation_index() {
  return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
}
