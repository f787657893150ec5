/// OkLab (Björn Ottosson, 2020) in fixed point: integer arithmetic and two lookup tables, so
/// the Vulkan backend computes the same coordinates bit for bit. This is the specification
/// `Shaders/include/oklab.glsl` mirrors.
///
/// For a colour (r, g, b), each 0...255:
///
///     R = LINEAR[r], G = LINEAR[g], B = LINEAR[b]          sRGB → linear light, Q16 (0...65536)
///     l = (6754·R + 8787·G +   843·B + 2^13) >> 14          M1 in Q14; each row sums to 16384,
///     m = (3472·R + 11152·G + 1760·B + 2^13) >> 14          so l, m, s are 0...65536 and a grey
///     s = (1447·R + 4616·G + 10321·B + 2^13) >> 14          has l = m = s
///     l' = CUBE[l], m' = CUBE[m], s' = CUBE[s]              cube root, Q16 (0...65536)
///     L = ( 862·l' + 3251·m' −   17·s' + 2^16) >> 17        M2 in Q12 (rows sum to 4096, 0, 0:
///     a = (8102·l' − 9948·m' + 1846·s' + 2^16) >> 17        white is L = 2048 and every grey has
///     b = ( 106·l' + 3206·m' − 3312·s' + 2^16) >> 17        a = b = 0 exactly); result Q11
///
/// - `LINEAR[v] = round(65536 · srgbToLinear(v / 255))`, written out below as literals so that
///   no libm decides it.
/// - `CUBE[x] = round(65536 · ∛(x / 65536)) = round(∛(x · 2^32))`, computed exactly in
///   integers (`cubeRootTable`).
/// - `>>` is an arithmetic shift (floor), also for the negative sums of a and b.
///
/// M1 and M2 are Ottosson's matrices rounded to Q14 and Q12, one entry per row nudged so that
/// the row sums are exact. Ranges (checked over all 2^24 colours): L 0...2048, a −479...566,
/// b −638...407; with sums of absolute coefficients ≤ 16384 (M1) and 19896 (M2) every
/// intermediate fits Int32. A squared distance `dL² + da² + db²` between two colours is below
/// 2048² + 1045² + 1045² < 2^23, so `d << 8 | index` fits Int32 (see `OkLabSearch`).
/// Measured over all 2^24 colours against a Double reference ×2048: mean error 0.25 units per
/// coordinate; at most 1.9 (L), 6.1 (a), 3.8 (b), the worst at near-black colours such as
/// (1, 0, 2), where the cube root is steepest and l, m, s are a few dozen units.
public enum OkLab {
    /// The output scale: L = 2^scaleShift for white.
    public static let scaleShift = 11

    /// M1 (linear sRGB → LMS) in Q14, row-major.
    public static let m1: [Int32] = [6754, 8787, 843, 3472, 11152, 1760, 1447, 4616, 10321]
    /// M2 (cube-rooted LMS → Lab) in Q12, row-major.
    public static let m2: [Int32] = [862, 3251, -17, 8102, -9948, 1846, 106, 3206, -3312]

    /// sRGB byte → linear light in Q16: round(65536 · ((v/255 + 0.055)/1.055)^2.4), or
    /// v/255/12.92 at v/255 ≤ 0.04045. No value lies within 0.004 of a rounding boundary.
    public static let linear: [Int32] = [
        0, 20, 40, 60, 80, 99, 119, 139, 159, 179, 199, 219, 241, 264, 288, 313, 340, 367, 396, 427, 458, 491, 526, 562,
        599, 637, 677, 718, 761, 805, 851, 898, 947, 997, 1048, 1101, 1156, 1212, 1270, 1330, 1391, 1453, 1517, 1583,
        1651, 1720, 1791, 1863, 1937, 2013, 2090, 2170, 2250, 2333, 2418, 2504, 2592, 2681, 2773, 2866, 2961, 3058, 3157,
        3258, 3360, 3464, 3570, 3678, 3788, 3900, 4014, 4129, 4247, 4366, 4488, 4611, 4736, 4864, 4993, 5124, 5257, 5392,
        5530, 5669, 5810, 5953, 6099, 6246, 6395, 6547, 6701, 6856, 7014, 7174, 7336, 7500, 7666, 7834, 8004, 8177, 8352,
        8529, 8708, 8889, 9072, 9258, 9446, 9636, 9828, 10022, 10219, 10418, 10619, 10822, 11028, 11236, 11446, 11658,
        11873, 12090, 12309, 12531, 12754, 12981, 13209, 13440, 13673, 13909, 14147, 14387, 14629, 14874, 15122, 15372,
        15624, 15878, 16135, 16394, 16656, 16920, 17187, 17456, 17727, 18001, 18278, 18556, 18838, 19121, 19408, 19696,
        19988, 20281, 20578, 20876, 21178, 21481, 21788, 22096, 22408, 22722, 23038, 23357, 23679, 24003, 24329, 24659,
        24991, 25325, 25662, 26002, 26344, 26689, 27036, 27387, 27739, 28095, 28453, 28813, 29177, 29543, 29911, 30283,
        30657, 31033, 31413, 31795, 32180, 32567, 32957, 33350, 33746, 34144, 34545, 34949, 35355, 35765, 36177, 36591,
        37009, 37429, 37852, 38278, 38707, 39138, 39572, 40009, 40449, 40892, 41337, 41786, 42237, 42691, 43147, 43607,
        44069, 44534, 45003, 45474, 45947, 46424, 46904, 47386, 47871, 48360, 48851, 49345, 49842, 50342, 50844, 51350,
        51859, 52370, 52884, 53402, 53922, 54445, 54972, 55501, 56033, 56568, 57106, 57647, 58191, 58738, 59288, 59841,
        60397, 60956, 61518, 62083, 62651, 63222, 63796, 64373, 64953, 65536,
    ]

    /// CUBE[x] for x in 0...65536: round(∛(x · 2^32)), exact: the largest y with y³ ≤ x·2^32,
    /// plus one when (2y + 1)³ ≤ 8·x·2^32 (that is, y + ½ ≤ the root). Values fit 64 bits:
    /// (2y + 1)³ < 2^52.
    public static let cubeRoot: [Int32] = cubeRootTable()

    static func cubeRootTable() -> [Int32] {
        // ⌊∛(x·2^32)⌋ never decreases with x, so one upward walk finds every floor exactly.
        var y: UInt64 = 0
        return (0...65536).map { x -> Int32 in
            let n = UInt64(x) << 32
            while (y + 1) * (y + 1) * (y + 1) <= n { y += 1 }
            let t = 2 * y + 1
            return Int32(t * t * t <= n << 3 ? y + 1 : y)
        }
    }

    /// LINEAR followed by CUBE, the layout `OkLabSearch` and the shader read.
    static let tables: [Int32] = linear + cubeRoot

    /// The OkLab coordinates of an sRGB colour (formulas at the top of this file).
    public static func convert(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (L: Int32, a: Int32, b: Int32) {
        tables.withUnsafeBufferPointer { t in
            convert(t.baseAddress!, Int32(r), Int32(g), Int32(b))
        }
    }

    /// The kernel, on `tables` (LINEAR at 0, CUBE at 256). Channels must be 0...255.
    @inline(__always)
    static func convert(_ t: UnsafePointer<Int32>, _ r: Int32, _ g: Int32, _ b: Int32) -> (L: Int32, a: Int32, b: Int32) {
        let lr = t[Int(r)], lg = t[Int(g)], lb = t[Int(b)]
        let l = (6754 &* lr &+ 8787 &* lg &+ 843 &* lb &+ 8192) >> 14
        let m = (3472 &* lr &+ 11152 &* lg &+ 1760 &* lb &+ 8192) >> 14
        let s = (1447 &* lr &+ 4616 &* lg &+ 10321 &* lb &+ 8192) >> 14
        let cl = t[256 &+ Int(l)], cm = t[256 &+ Int(m)], cs = t[256 &+ Int(s)]
        return ((862 &* cl &+ 3251 &* cm &- 17 &* cs &+ 65536) >> 17,
                (8102 &* cl &- 9948 &* cm &+ 1846 &* cs &+ 65536) >> 17,
                (106 &* cl &+ 3206 &* cm &- 3312 &* cs &+ 65536) >> 17)
    }
}
