// Byte access to buffers of uint words. GLSL has no 8-bit storage without an optional
// feature, so every byte array (planes, RGB images, index images) travels packed four to a
// word, little-endian: byte i is bits 8·(i & 3) ... 8·(i & 3) + 7 of word i >> 2. That is the
// host's own byte order on every Vulkan platform, so the host copies byte arrays in as they are.
#ifndef GIFSMITH_BYTES_GLSL
#define GIFSMITH_BYTES_GLSL

// Byte i of a packed array (a macro: GLSL cannot pass a buffer to a function).
#define BYTE_AT(words, i) (((words)[(i) >> 2] >> (((i) & 3u) << 3)) & 255u)

// Needs the local size declared before this file is included.
// The linear invocation index of a 1-D launch that may be folded into a 2-D grid (a dispatch
// has at most 65535 groups per axis). Results never depend on how it is folded.
uint linearInvocation() {
    return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
}

#endif
