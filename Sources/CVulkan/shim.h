#ifndef GIFSMITH_CVULKAN_SHIM_H
#define GIFSMITH_CVULKAN_SHIM_H

#include <vulkan/vulkan.h>

// Function-like macros that Swift cannot import, as constants and functions.
static const uint32_t gifsmith_vk_api_version_1_0 = VK_API_VERSION_1_0;
static const uint32_t gifsmith_vk_api_version_1_1 = VK_API_VERSION_1_1;
static const uint32_t gifsmith_vk_api_version_1_2 = VK_API_VERSION_1_2;

static inline uint32_t gifsmith_vk_version_major(uint32_t v) { return VK_API_VERSION_MAJOR(v); }
static inline uint32_t gifsmith_vk_version_minor(uint32_t v) { return VK_API_VERSION_MINOR(v); }
static inline uint32_t gifsmith_vk_version_patch(uint32_t v) { return VK_API_VERSION_PATCH(v); }

#endif
