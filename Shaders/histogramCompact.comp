#version 450
#extension GL_GOOGLE_include_directive : require
// Declared before the includes: they use gl_WorkGroupSize.
layout(local_size_x = 64) in;
// Histogram, second pass: copies each touched bin into a record of eight words (bin, count,
// r low, r high, g low, g high, b low, b high) and zeroes the bin, so the bins are all zero for
// the next frame without clearing 7 MiB. The host adds the records into its ColorHistogram.
//
// Bindings: 0 bins, 1 touched list (from histogram.comp), 2 records.

#include "bytes.glsl"


layout(std430, binding = 0) buffer Bins { uint bins[]; };
layout(std430, binding = 1) readonly buffer Touched { uint touched[]; };
layout(std430, binding = 2) writeonly buffer Records { uint records[]; };

void main() {
    uint i = linearInvocation();
    if (i >= touched[0]) return;
    uint bin = touched[1u + i];
    uint at = bin * 7u;
    uint o = i * 8u;
    records[o] = bin;
    for (uint k = 0u; k < 7u; k++) {
        records[o + 1u + k] = bins[at + k];
        bins[at + k] = 0u;
    }
}
