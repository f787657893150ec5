#version 450
#extension GL_GOOGLE_include_directive : require
// Declared before the includes: they use gl_WorkGroupSize.
layout(local_size_x = 64) in;
// Frame changes: FrameDiffKernel.changes, one invocation per four pixels (four indices of each
// frame are one word, and so are their four mask bytes: whole words in and out, no atomics on
// the mask).
//
// A pixel changed when previousLUT[previous[i]] != currentLUT[current[i]]; its mask byte is 1,
// else 0. The bounding box is the min and max of the changed pixels' x and y, reduced with
// integer atomics, first in shared memory per workgroup and then once per workgroup into the
// result, so the order the device runs in cannot change it. Every result word is a maximum, so
// zero is the neutral start (a fill) and zero in word 2 means no change:
//   bounds[0] = max(width - x)  → minX = width - bounds[0]
//   bounds[1] = max(height - y) → minY = height - bounds[1]
//   bounds[2] = max(x + 1)      → maxX = bounds[2] - 1
//   bounds[3] = max(y + 1)      → maxY = bounds[3] - 1
// (all at most 16384, far from wrapping).
//
// Bindings: 0 previous indices, 1 current indices (packed, one byte a pixel, rows unpadded),
// 2 the colour LUTs (previous frame's 256 words, then the current frame's 256), 3 the mask
// (packed like the indices), 4 the four bounds words (zero on entry).

#include "bytes.glsl"

layout(std430, binding = 0) readonly buffer Previous { uint previous[]; };
layout(std430, binding = 1) readonly buffer Current { uint current[]; };
layout(std430, binding = 2) readonly buffer LUTs { uint luts[]; };
layout(std430, binding = 3) writeonly buffer Mask { uint mask[]; };
layout(std430, binding = 4) buffer Bounds { uint bounds[]; };

layout(push_constant) uniform Parameters {
    uint width;
    uint height;
    uint pixelCount;
};

const uint CURRENT_LUT = 256u;

// The workgroup's four maxima, encoded as in `bounds`.
shared uint groupBounds[4];

void main() {
    if (gl_LocalInvocationIndex < 4u) groupBounds[gl_LocalInvocationIndex] = 0u;
    memoryBarrierShared();
    barrier();

    // No early return: every invocation must reach both barriers.
    uint word = linearInvocation();
    uint first = word * 4u;
    if (first < pixelCount) {
        uint p = previous[word], c = current[word];
        uint x = first % width, y = first / width;
        uint packed = 0u;
        uint fromRight = 0u, fromBottom = 0u, right = 0u, bottom = 0u;
        for (uint j = 0u; j < 4u && first + j < pixelCount; j++) {
            uint shift = 8u * j;
            if (luts[(p >> shift) & 255u] != luts[CURRENT_LUT + ((c >> shift) & 255u)]) {
                packed |= 1u << shift;
                fromRight = max(fromRight, width - x);
                fromBottom = max(fromBottom, height - y);
                right = max(right, x + 1u);
                bottom = max(bottom, y + 1u);
            }
            x++;
            if (x == width) { x = 0u; y++; }
        }
        mask[word] = packed;
        if (packed != 0u) {
            atomicMax(groupBounds[0], fromRight);
            atomicMax(groupBounds[1], fromBottom);
            atomicMax(groupBounds[2], right);
            atomicMax(groupBounds[3], bottom);
        }
    }

    memoryBarrierShared();
    barrier();
    if (gl_LocalInvocationIndex == 0u && groupBounds[2] != 0u) {
        atomicMax(bounds[0], groupBounds[0]);
        atomicMax(bounds[1], groupBounds[1]);
        atomicMax(bounds[2], groupBounds[2]);
        atomicMax(bounds[3], groupBounds[3]);
    }
}
