#version 450
#extension GL_GOOGLE_include_directive : require
// Declared before the includes: they use gl_WorkGroupSize.
layout(local_size_x = 64) in;
// Histogram: ColorHistogram.add for one frame, one invocation per eight pixels.
//
// Per bin (ColorHistogram.bin: 6 bits a channel) seven words: the pixel count and the r, g, b
// sums, each sum as a low and a high word. A frame has at most 16384² = 2^28 pixels, so a count
// fits 32 bits but a sum (up to 255·2^28) does not: an addition that wraps the low word
// carries one into the high word. Atomic additions on one word happen in some total order and
// each wrap is seen by exactly the addition that caused it, so high·2^32 + low is the exact
// sum whatever the order. The first addition to a bin (the one that finds count 0) appends
// the bin to the touched list, so the host reads back only the bins the frame used.
//
// Consecutive pixels of one bin are added as one run (count and sums of up to eight pixels):
// flat areas would otherwise send every invocation's atomics to the same few words.
//
// Bindings: 0 RGB image, 1 bins (2^18 · 7 words, all zero on entry), 2 touched list (word 0
// the length, zero on entry; then bin numbers).

#include "bytes.glsl"

layout(std430, binding = 0) readonly buffer Source { uint src[]; };
layout(std430, binding = 1) buffer Bins { uint bins[]; };
layout(std430, binding = 2) buffer Touched { uint touched[]; };

layout(push_constant) uniform Parameters {
    uint pixelCount;
};

const uint PIXELS = 8u;

void addWide(uint at, uint v) {
    uint old = atomicAdd(bins[at], v);
    if (old > 0xffffffffu - v) atomicAdd(bins[at + 1u], 1u);
}

void addRun(uint bin, uint count, uint r, uint g, uint b) {
    uint at = bin * 7u;
    if (atomicAdd(bins[at], count) == 0u) {
        touched[1u + atomicAdd(touched[0], 1u)] = bin;
    }
    addWide(at + 1u, r);
    addWide(at + 3u, g);
    addWide(at + 5u, b);
}

void main() {
    uint first = linearInvocation() * PIXELS;
    if (first >= pixelCount) return;
    uint n = min(PIXELS, pixelCount - first);
    uint runBin = 0u, runCount = 0u, sr = 0u, sg = 0u, sb = 0u;
    for (uint j = 0u; j < n; j++) {
        uint i = 3u * (first + j);
        uint r = BYTE_AT(src, i), g = BYTE_AT(src, i + 1u), b = BYTE_AT(src, i + 2u);
        uint bin = (r >> 2) << 12 | (g >> 2) << 6 | (b >> 2);
        if (runCount > 0u && bin != runBin) {
            addRun(runBin, runCount, sr, sg, sb);
            runCount = 0u; sr = 0u; sg = 0u; sb = 0u;
        }
        runBin = bin;
        runCount++;
        sr += r; sg += g; sb += b;
    }
    addRun(runBin, runCount, sr, sg, sb);
}
