// The nearest-colour search of PaletteMapper (Sources/GifsmithCore/PaletteMapper.swift), on the
// arrays it exposes, uploaded as they are into one uint buffer `mapper`:
//   mapper[0 ..< 32768]                       cellTable: offset << 9 | count per 8×8×8 cell
//   mapper[candidateBase + k]                 candidates: index << 24 | r << 16 | g << 8 | b
//   mapper[paletteBase + i]                   palette colour i: r << 16 | g << 8 | b
//   mapper[limitBase + i]                     errorLimits[i] (1...255)
//   mapper[labBase ...]                       OkLabSearch.data for an OkLab mapper (include/oklab.glsl);
//                                             labBase 0 means RGB (0 is the cell table's place)
// The including shader declares `mapper`, `labBase` and the other bases.
#ifndef GIFSMITH_PALETTE_GLSL
#define GIFSMITH_PALETTE_GLSL

#include "oklab.glsl"

// PaletteMapper.key, narrowed: `d << 8 | index` instead of `d << 32 | word`. The orders agree:
// within a run the index decides the word (a padding copy repeats a word exactly), so the least
// (d, word) and the least (d, index) are the same entry. d ≤ 3·255² < 2^18, so the key is
// below 2^26.
uint key(uint c, int r, int g, int b) {
    int dr = r - int((c >> 16) & 255u);
    int dg = g - int((c >> 8) & 255u);
    int db = b - int(c & 255u);
    return uint(dr * dr + dg * dg + db * db) << 8 | (c >> 24);
}

// PaletteMapper.lookup: the palette index nearest to (r, g, b), each 0...255: the smallest
// squared distance, then the lowest index, over the colour's cell's run of candidates.
uint lookup(int r, int g, int b) {
    uint t = mapper[uint((r >> 3) << 10 | (g >> 3) << 5 | (b >> 3))];
    uint k = candidateBase + (t >> 9);
    uint end = k + (t & 511u);
    uint best = 0xffffffffu;
    for (; k < end; k++) {
        best = min(best, key(mapper[k], r, g, b));
    }
    return best & 255u;
}

// PaletteMapper.nearest: the lookup of the mapper's colour space.
uint nearestIndex(int r, int g, int b) {
    return labBase != 0u ? labLookup(r, g, b) : lookup(r, g, b);
}

#endif
