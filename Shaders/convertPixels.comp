#version 450
#extension GL_GOOGLE_include_directive : require
// Declared before the includes: they use gl_WorkGroupSize.
layout(local_size_x = 64) in;
// Convert, pass 2: ConvertKernel.verticalPass and the matrix (yuvToRGB, or packRGB for R, G, B
// planes), one invocation per four output pixels (twelve bytes: three whole words).
//     q = clamp((4096 + Σ h·c) >> 13, 0, 255 << 8)                 per plane, Q8
//     R = clamp((ys·(Y − off·256) + rv·(V − 32768) + 2^19) >> 20, 0, 255), likewise G and B
// The CPU's range proofs hold for every partial sum, and int addition is exact below 2^31, so
// the order of the taps does not matter.
//
// Batches: frame f of a dispatch (workgroup z = f) reads its rows from f · (row items of the
// plan) and writes its pixels from word f · 3 · ⌈pixels / 4⌉, so frames never share a word.
//
// Bindings: 1 plan, 2 filtered rows (from convertRows.comp), 3 packed RGB output.

#include "bytes.glsl"
#include "convert.glsl"


layout(std430, binding = 1) readonly buffer Plan { int plan[]; };
layout(std430, binding = 2) readonly buffer Rows { int rows[]; };
layout(std430, binding = 3) writeonly buffer Pixels { uint dst[]; };

// Where this workgroup's frame's filtered rows begin. Set at the start of main.
uint frameRows;

// Plane p's Q8 value at output pixel (x, y).
int vertical(uint p, uint x, uint y, uint width) {
    uint base = PLAN_PLANES + 16u * p;
    uint taps = uint(plan[base + PLANE_V_TAPS]);
    uint first = uint(plan[uint(plan[base + PLANE_V_STARTS]) + y]) - uint(plan[base + PLANE_ROW_FIRST]);
    uint c = uint(plan[base + PLANE_V_COEFS]) + y * taps;
    uint r = frameRows + uint(plan[base + PLANE_ROWS_AT]) + first * width + x;
    int sum = 4096;
    for (uint k = 0u; k < taps; k++) {
        sum += rows[r + k * width] * plan[c + k];
    }
    return min(max(sum >> 13, 0), 255 << 8);
}

void main() {
    uint word = linearInvocation();
    uint width = uint(plan[PLAN_OUT_WIDTH]);
    uint count = width * uint(plan[PLAN_OUT_HEIGHT]);
    uint first = word * 4u;
    if (first >= count) return;
    uint frame = gl_WorkGroupID.z;
    frameRows = frame * uint(plan[PLAN_PLANES + 32u + PLANE_ITEMS_END]);
    bool matrix = plan[PLAN_HAS_MATRIX] != 0;
    uint out3[3] = uint[3](0u, 0u, 0u);
    for (uint j = 0u; j < 4u; j++) {
        uint p = first + j;
        if (p >= count) break;
        uint x = p % width, y = p / width;
        int q0 = vertical(0u, x, y, width);
        int q1 = vertical(1u, x, y, width);
        int q2 = vertical(2u, x, y, width);
        int r, g, b;
        if (matrix) {
            int yTerm = plan[PLAN_Y_SCALE] * (q0 - (plan[PLAN_Y_OFFSET] << 8));
            int u = q1 - 32768;
            int v = q2 - 32768;
            int bias = 1 << 19;
            r = min(max((yTerm + plan[PLAN_RV] * v + bias) >> 20, 0), 255);
            g = min(max((yTerm + plan[PLAN_GU] * u + plan[PLAN_GV] * v + bias) >> 20, 0), 255);
            b = min(max((yTerm + plan[PLAN_BU] * u + bias) >> 20, 0), 255);
        } else {
            r = (q0 + 128) >> 8;
            g = (q1 + 128) >> 8;
            b = (q2 + 128) >> 8;
        }
        // Bytes 3j ... 3j+2 of this invocation's twelve.
        uint o = 3u * j;
        out3[o >> 2] |= uint(r) << ((o & 3u) << 3);
        o++;
        out3[o >> 2] |= uint(g) << ((o & 3u) << 3);
        o++;
        out3[o >> 2] |= uint(b) << ((o & 3u) << 3);
    }
    uint at = frame * 3u * ((count + 3u) >> 2) + 3u * word;
    dst[at] = out3[0];
    dst[at + 1u] = out3[1];
    dst[at + 2u] = out3[2];
}
