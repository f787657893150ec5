#version 450
#extension GL_GOOGLE_include_directive : require
// Declared before the includes: they use gl_WorkGroupSize.
layout(local_size_x = 64) in;
// Convert, pass 1: ConvertKernel.horizontalPass for every source row that some output row
// reads, in all three planes; one invocation per output column of one row:
//     h = clamp((64 + Σ v·c) >> 7, 0, 255 << 7)
// (v a source byte, c a Q14 coefficient; |Σ| ≤ 255·65536, no overflow). The CPU keeps h as
// Int16; here it is an int, the same value. The identity table (one tap of 2^14) needs no
// special case: (v·2^14 + 64) >> 7 = v << 7, which is what the CPU's copy path stores.
//
// Batches. A dispatch converts gl_NumWorkGroups.z frames of one plan and one set of strides:
// frame f (workgroup z = f) reads its planes from f · frameBytes in the source buffer and
// writes its rows from f · (row items of the plan), where convertPixels.comp reads them.
//
// Bindings: 0 source planes (bytes; the host copied the needed rows of plane p from
// rowsAt[p], `stride[p]` bytes a row, for each frame), 1 plan, 2 filtered rows.

#include "bytes.glsl"
#include "convert.glsl"


layout(std430, binding = 0) readonly buffer Source { uint src[]; };
layout(std430, binding = 1) readonly buffer Plan { int plan[]; };
layout(std430, binding = 2) writeonly buffer Rows { int rows[]; };

layout(push_constant) uniform Parameters {
    uint rowsAt[3];
    uint stride[3];
    // A frame's source bytes (a multiple of four).
    uint frameBytes;
};

void main() {
    uint i = linearInvocation();
    uint p = 0u;
    while (p < 3u && i >= uint(plan[PLAN_PLANES + 16u * p + PLANE_ITEMS_END])) p++;
    if (p == 3u) return;
    uint base = PLAN_PLANES + 16u * p;
    uint itemsStart = p == 0u ? 0u : uint(plan[base - 16u + PLANE_ITEMS_END]);
    uint width = uint(plan[PLAN_OUT_WIDTH]);
    uint local = i - itemsStart;
    uint row = local / width, x = local % width;

    uint taps = uint(plan[base + PLANE_H_TAPS]);
    uint frame = gl_WorkGroupID.z;
    uint s = frame * frameBytes + rowsAt[p] + row * stride[p] + uint(plan[uint(plan[base + PLANE_H_STARTS]) + x]);
    // Coefficients are stored tap-major: tap k of column x at k · width + x.
    uint c = uint(plan[base + PLANE_H_COEFS]) + x;
    int sum = 64;
    for (uint k = 0u; k < taps; k++) {
        sum += int(BYTE_AT(src, s + k)) * plan[c + k * width];
    }
    uint frameRows = frame * uint(plan[PLAN_PLANES + 32u + PLANE_ITEMS_END]);
    rows[frameRows + uint(plan[base + PLANE_ROWS_AT]) + local] = min(max(sum >> 7, 0), 255 << 7);
}
