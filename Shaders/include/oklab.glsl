// Nearest colour in OkLab: OkLab.convert and OkLabSearch (Sources/GifsmithCore/OkLab.swift,
// OkLabSearch.swift), on OkLabSearch.data uploaded as it is into `mapper` at `labBase`:
//   mapper[labBase + LAB_COUNT]              palette size n
//   mapper[labBase + LAB_TABLES + v]         LINEAR[v], v in 0...255 (sRGB → linear, Q16)
//   mapper[labBase + LAB_TABLES + 256 + x]   CUBE[x], x in 0...65536 (cube root, Q16)
//   mapper[labBase + LAB_ENTRIES + 4k ...]   entry k: L, a, b, palette index (ints)
// The including shader declares `mapper` and `labBase`.
#ifndef GIFSMITH_OKLAB_GLSL
#define GIFSMITH_OKLAB_GLSL

const uint LAB_COUNT = 0u;
const uint LAB_TABLES = 1u;
const uint LAB_ENTRIES = 1u + 256u + 65537u + 2049u + 256u;

// OkLab.convert: (L, a, b) in Q11 of an sRGB colour, channels 0...255. Every product and sum
// fits int (bounds in OkLab.swift); `>>` on int is arithmetic (floor), as in Swift.
ivec3 okLab(int r, int g, int b) {
    uint t = labBase + LAB_TABLES;
    int lr = int(mapper[t + uint(r)]), lg = int(mapper[t + uint(g)]), lb = int(mapper[t + uint(b)]);
    int l = (6754 * lr + 8787 * lg + 843 * lb + 8192) >> 14;
    int m = (3472 * lr + 11152 * lg + 1760 * lb + 8192) >> 14;
    int s = (1447 * lr + 4616 * lg + 10321 * lb + 8192) >> 14;
    int cl = int(mapper[t + 256u + uint(l)]);
    int cm = int(mapper[t + 256u + uint(m)]);
    int cs = int(mapper[t + 256u + uint(s)]);
    return ivec3((862 * cl + 3251 * cm - 17 * cs + 65536) >> 17,
                 (8102 * cl - 9948 * cm + 1846 * cs + 65536) >> 17,
                 (106 * cl + 3206 * cm - 3312 * cs + 65536) >> 17);
}

// The palette index nearest to (r, g, b) in OkLab: the least key d << 8 | index over every entry
// (d < 2^23, so keys fit int and are distinct). The CPU's outward search returns the same least key.
uint labLookup(int r, int g, int b) {
    ivec3 q = okLab(r, g, b);
    uint n = mapper[labBase + LAB_COUNT];
    uint e = labBase + LAB_ENTRIES;
    int best = 0x7fffffff;
    for (uint k = 0u; k < n; k++) {
        int dl = int(mapper[e]) - q.x;
        int da = int(mapper[e + 1u]) - q.y;
        int db = int(mapper[e + 2u]) - q.z;
        best = min(best, (dl * dl + da * da + db * db) << 8 | int(mapper[e + 3u]));
        e += 4u;
    }
    return uint(best & 255);
}

#endif
