// The integer helpers of DitherKernel (Sources/GifsmithCore/DitherKernel.swift), name for name.
#ifndef GIFSMITH_DITHER_GLSL
#define GIFSMITH_DITHER_GLSL

// Kernel.clamp: a channel into 0...255.
int clamp255(int v) {
    return min(max(v, 0), 255);
}

// DitherKernel.bayerMatrix[p], p = (y & 7) << 3 | (x & 7): FFmpeg's 8×8 matrix, bits of x and
// x ^ y interleaved and reversed.
int bayerMatrix(int p) {
    int q = p ^ (p >> 3);
    return (p & 4) >> 2 | (q & 4) >> 1 | (p & 2) << 1 | (q & 2) << 2 | (p & 1) << 4 | (q & 1) << 5;
}

// DitherKernel.bayerOffsets(scale: s)[p] for s already clamped to 0...5: floor of
// (2M − 63)·(32 >> s) / 64 (`>>` on int is arithmetic in GLSL, as in Swift).
int bayerOffset(int p, int s) {
    return ((2 * bayerMatrix(p) - 63) * (32 >> s)) >> 6;
}

// BlueNoise.offsets(scale: s)[p] for s already clamped to 0...5, from the rank BlueNoise.matrix[p]:
// floor of (2·rank − 4095)·(32 >> s) / 4096.
int blueNoiseOffset(int rank, int s) {
    return ((2 * rank - 4095) * (32 >> s)) >> 12;
}

// Kernel.share: trunc(e·w / 2^s), toward zero; a negative product gets a bias of 2^s − 1
// before the arithmetic shift. |e·w| ≤ 255·7: no overflow.
int share(int e, int w, int s) {
    int x = e * w;
    return (x + ((x >> 31) & ((1 << s) - 1))) >> s;
}

#endif
