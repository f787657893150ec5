#version 450
#extension GL_GOOGLE_include_directive : require
// Declared before the includes: they use gl_WorkGroupSize.
layout(local_size_x = 64) in;
// Map, dither `none`, `bayer` and `blue-noise`: DitherKernel.plain and DitherKernel.ordered, one
// invocation per four pixels (twelve source bytes are three whole words, four indices one word,
// so every invocation reads and writes whole words and needs no atomics).
//
// Batches. A dispatch maps gl_NumWorkGroups.z frames of one size: frame f is workgroup layer
// z = f. Each frame's image starts at a word (3·pixelCount bytes rounded up to a word, one
// after another), and so does its index image (pixelCount bytes rounded up), so frames never
// share a word and a batch of one is the single-frame layout.
//
// Bindings: 0 the packed RGB images (3 bytes a pixel, rows unpadded), 1 the PaletteMapper
// arrays (see include/palette.glsl), 2 the packed index images (1 byte a pixel), 3 the 64×64
// blue-noise ranks (BlueNoise.matrix; read only for `blue-noise`, any buffer otherwise).

#include "bytes.glsl"
#include "dither.glsl"


layout(std430, binding = 0) readonly buffer Source { uint src[]; };
layout(std430, binding = 1) readonly buffer Mapper { uint mapper[]; };
layout(std430, binding = 2) writeonly buffer Indices { uint dst[]; };
layout(std430, binding = 3) readonly buffer BlueNoise { int blueNoise[]; };

layout(push_constant) uniform Parameters {
    uint width;
    uint pixelCount;
    uint candidateBase;
    // 0 no dither, 1 Bayer, 2 blue noise.
    int ditherPattern;
    // The pattern's scale, 0...5 (clamped on the host).
    int scale;
    // Where OkLabSearch.data begins in `mapper`; 0 for an RGB mapper.
    uint labBase;
};

#include "palette.glsl"

void main() {
    uint word = linearInvocation();
    uint first = word * 4u;
    if (first >= pixelCount) return;
    uint frame = gl_WorkGroupID.z;
    uint sourceBase = frame * ((3u * pixelCount + 3u) & ~3u);
    uint packed = 0u;
    for (uint j = 0u; j < 4u; j++) {
        uint p = first + j;
        if (p >= pixelCount) break;
        int o = 0;
        if (ditherPattern != 0) {
            uint x = p % width, y = p / width;
            o = ditherPattern == 1 ? bayerOffset(int((y & 7u) << 3 | (x & 7u)), scale)
                                   : blueNoiseOffset(blueNoise[(y & 63u) << 6 | (x & 63u)], scale);
        }
        uint i = sourceBase + 3u * p;
        int r = clamp255(int(BYTE_AT(src, i)) + o);
        int g = clamp255(int(BYTE_AT(src, i + 1u)) + o);
        int b = clamp255(int(BYTE_AT(src, i + 2u)) + o);
        packed |= nearestIndex(r, g, b) << (8u * j);
    }
    dst[frame * ((pixelCount + 3u) >> 2) + word] = packed;
}
