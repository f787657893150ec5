#version 450
#extension GL_GOOGLE_include_directive : require
// Declared before the includes: they use gl_WorkGroupSize.
layout(local_size_x_id = 0) in;
// Map with error diffusion (floyd-steinberg, sierra-2-4a, atkinson): DitherKernel's loops,
// exactly, in one workgroup per frame.
//
// Order. In DitherKernel pixel (x, y) has all its error once row y−1 is done up to x+1, row
// y−2 up to x (atkinson) and row y up to x−1. Invocation i owns rows i, i+N, i+2N, … (N the
// workgroup size) and runs them one after the other; row y starts at step
//     S(y) = (y / N)·P + 2·(y % N),   P = max(width, 2N),
// and visits pixel x at step S(y) + x. Consecutive rows start at least two steps apart
// (P ≥ 2N), so every contributor of a pixel is visited at an earlier step; a row starts after
// its invocation finished the previous one (P ≥ width). With N ≥ height this is the plain
// skewed wavefront, each row two pixels behind the one above. Steps are separated by
// barriers. Sums of integers do not depend on the order in which their terms arrive, so the
// result is DitherKernel's for every N: nothing here depends on the workgroup size.
//
// Error. Error for the same row travels in registers (c1, c2: DitherKernel's Carry); error
// for rows below is added into accumulator rows in `acc` (storage buffer, R = min(N + 2,
// height) rows used as a ring by y mod R, 3 ints a pixel; a frame no taller than N + 2 never
// wraps, so it needs only its own rows). A slot is read and cleared by its pixel; its writers
// (up to four) run at distinct, earlier steps, so plain read-modify-writes never race, and
// the next row to reuse the ring row starts writing only after its previous owner is done
// (S(y + N) ≥ S(y) + width). Error pushed outside the image is dropped, as on the CPU.
//
// Chunks. One dispatch runs steps [firstStep, endStep); the host splits the frame's steps into
// several dispatches so that no invocation runs more than 65535 loop iterations in one (llvmpipe
// silently stops every loop of an invocation past that budget; elsewhere short dispatches are
// harmless). An invocation's carries go to the state area at the end of a chunk and come back
// at the start of the next; the accumulators stay in `acc` anyway.
//
// Batches. A dispatch runs gl_NumWorkGroups.z frames of one size, one workgroup each (frame f
// is workgroup z = f); frames share nothing, so each is the single-frame computation. Frame
// f's image, index image and accumulator area start at f times their size (images rounded up
// to a word, as map.comp lays them out).
//
// Bindings: 0 RGB images, 1 PaletteMapper arrays, 2 index images (zeroed by the host; pixels
// of different rows share words, so indices are OR-ed in atomically), 3 accumulators and state
// (zeroed by the host, per frame: R rows of width · 3 ints, then 6 ints per invocation).

#include "bytes.glsl"
#include "dither.glsl"

// 0 floyd-steinberg, 1 sierra-2-4a, 2 atkinson.
layout(constant_id = 1) const int METHOD = 0;

layout(std430, binding = 0) readonly buffer Source { uint src[]; };
layout(std430, binding = 1) readonly buffer Mapper { uint mapper[]; };
layout(std430, binding = 2) buffer Indices { uint dst[]; };
layout(std430, binding = 3) coherent buffer Accumulators { int acc[]; };

layout(push_constant) uniform Parameters {
    uint width;
    uint height;
    uint candidateBase;
    uint paletteBase;
    uint limitBase;
    uint firstStep;
    uint endStep;
    // Where OkLabSearch.data begins in `mapper`; 0 for an RGB mapper.
    uint labBase;
};

#include "palette.glsl"

// This workgroup's frame: where its image (bytes), index image (words) and accumulators
// (ints) begin. Set at the start of main.
uint sourceBase, indexBase, accBase;

// Adds error to the accumulator of pixel (x, y) if it lies inside the image (x may be −1).
void push(int x, uint y, int er, int eg, int eb) {
    if (x < 0 || uint(x) >= width || y >= height) return;
    uint ring = min(gl_WorkGroupSize.x + 2u, height);
    uint a = accBase + ((y % ring) * width + uint(x)) * 3u;
    acc[a] += er;
    acc[a + 1u] += eg;
    acc[a + 2u] += eb;
}

void main() {
    uint n = gl_WorkGroupSize.x;
    uint lid = gl_LocalInvocationID.x;
    uint ring = min(n + 2u, height);
    uint period = max(width, 2u * n);
    uint last = height - 1u;
    uint steps = (last / n) * period + 2u * (last % n) + width;
    uint frame = gl_WorkGroupID.z;
    uint pixels = width * height;
    sourceBase = frame * ((3u * pixels + 3u) & ~3u);
    indexBase = frame * ((pixels + 3u) >> 2);
    accBase = frame * (ring * width * 3u + n * 6u);

    // Carry: same-row error owed to the next pixel (c1) and, for atkinson, the one after (c2);
    // and the last query and its answer (reusing an answer cannot change a result).
    uint state = accBase + ring * width * 3u + lid * 6u;
    int c1r = acc[state], c1g = acc[state + 1u], c1b = acc[state + 2u];
    int c2r = acc[state + 3u], c2g = acc[state + 4u], c2b = acc[state + 5u];
    int lastKey = -1;
    uint lastIndex = 0u;

    uint end = min(endStep, steps);
    for (uint t = firstStep; t < end; t++) {
        if (t >= 2u * lid) {
            uint u = t - 2u * lid;
            uint x = u % period;
            uint y = lid + (u / period) * n;
            if (x < width && y < height) {
                if (x == 0u) {
                    c1r = 0; c1g = 0; c1b = 0; c2r = 0; c2g = 0; c2b = 0;
                }
                uint a = accBase + ((y % ring) * width + x) * 3u;
                int ar = acc[a] + c1r, ag = acc[a + 1u] + c1g, ab = acc[a + 2u] + c1b;
                acc[a] = 0; acc[a + 1u] = 0; acc[a + 2u] = 0;

                // Kernel.visit.
                uint p = y * width + x;
                uint i = sourceBase + 3u * p;
                int r = clamp255(int(BYTE_AT(src, i)) + ar);
                int g = clamp255(int(BYTE_AT(src, i + 1u)) + ag);
                int b = clamp255(int(BYTE_AT(src, i + 2u)) + ab);
                int k = r << 16 | g << 8 | b;
                if (k != lastKey) {
                    lastIndex = nearestIndex(r, g, b);
                    lastKey = k;
                }
                atomicOr(dst[indexBase + (p >> 2)], lastIndex << ((p & 3u) << 3));
                uint c = mapper[paletteBase + lastIndex];
                int l = int(mapper[limitBase + lastIndex]);
                int er = min(max(r - int((c >> 16) & 255u), -l), l);
                int eg = min(max(g - int((c >> 8) & 255u), -l), l);
                int eb = min(max(b - int(c & 255u), -l), l);

                int xi = int(x);
                if (METHOD == 0) {
                    // floyd-steinberg (16): (x+1,y) 7; (x−1,y+1) 3; (x,y+1) 5; (x+1,y+1) 1.
                    c1r = share(er, 7, 4); c1g = share(eg, 7, 4); c1b = share(eb, 7, 4);
                    push(xi - 1, y + 1u, share(er, 3, 4), share(eg, 3, 4), share(eb, 3, 4));
                    push(xi, y + 1u, share(er, 5, 4), share(eg, 5, 4), share(eb, 5, 4));
                    push(xi + 1, y + 1u, share(er, 1, 4), share(eg, 1, 4), share(eb, 1, 4));
                } else if (METHOD == 1) {
                    // sierra-2-4a (4): (x+1,y) 2; (x−1,y+1) 1; (x,y+1) 1.
                    c1r = share(er, 2, 2); c1g = share(eg, 2, 2); c1b = share(eb, 2, 2);
                    int qr = share(er, 1, 2), qg = share(eg, 1, 2), qb = share(eb, 1, 2);
                    push(xi - 1, y + 1u, qr, qg, qb);
                    push(xi, y + 1u, qr, qg, qb);
                } else {
                    // atkinson (8): (x+1,y), (x+2,y), (x−1,y+1), (x,y+1), (x+1,y+1), (x,y+2): 1 each.
                    int sr = share(er, 1, 3), sg = share(eg, 1, 3), sb = share(eb, 1, 3);
                    c1r = c2r + sr; c1g = c2g + sg; c1b = c2b + sb;
                    c2r = sr; c2g = sg; c2b = sb;
                    push(xi - 1, y + 1u, sr, sg, sb);
                    push(xi, y + 1u, sr, sg, sb);
                    push(xi + 1, y + 1u, sr, sg, sb);
                    push(xi, y + 2u, sr, sg, sb);
                }
            }
        }
        memoryBarrierBuffer();
        barrier();
    }
    acc[state] = c1r; acc[state + 1u] = c1g; acc[state + 2u] = c1b;
    acc[state + 3u] = c2r; acc[state + 4u] = c2g; acc[state + 5u] = c2b;
}
