import GifsmithCore

/// The error budget of lossy LZW (`--lossy N`, after gifsicle's option of that name).
///
/// Plain LZW emits the longest string already in its table that matches the next pixels
/// exactly. Lossy LZW, on reaching a pixel that would end the match, may instead continue
/// with an existing table entry whose next index is a *different* palette colour close
/// enough to the intended one, so strings get longer and codes fewer. The decoder sees an
/// ordinary GIF.
///
/// Rules:
/// 1. Budget: index j may stand for intended index k when both are palette colours
///    (below `palette.count`) and `16·((r_j − r_k)² + (g_j − g_k)² + (b_j − b_k)²) ≤ level²`,
///    that is, the Euclidean RGB distance is at most `level / 4`. Every displayed pixel is
///    thus within that distance of its intended colour; there is no error accumulation or
///    diffusion. Indices at or past `palette.count` (the transparent index of an optimised
///    frame) are never replaced and never replace anything.
/// 2. The exact continuation always wins when the table has it. Otherwise the candidates j
///    are tried in order of increasing distance, then increasing index, and the first that
///    extends the current string in the table is taken (a greedy one-pixel look-ahead; no
///    search over longer paths).
/// 3. The first pixel of every string is written exactly (a literal).
/// 4. Level 0 is plain LZW, byte for byte.
///
/// All of it is integer and sequential (LZW runs on the CPU only), so it is deterministic.
public struct LossyLZW: Sendable {
    /// The lossy level (0 = lossless).
    public let level: Int
    /// Per intended index k (0...255): `candidates[offsets[k] ..< offsets[k + 1]]` are the
    /// indices that may replace it, nearest first (rule 2).
    let offsets: [Int32]
    let candidates: [UInt8]
    /// The palette size the lists were made for.
    let paletteCount: Int

    /// The largest accepted level.
    public static let maximumLevel = 10_000

    /// Builds the replacement lists of `palette` for `level` (about count² distance tests).
    /// - Precondition: `level` in 0...`maximumLevel` (callers validate user input).
    public init(palette: Palette, level: Int) {
        precondition((0...Self.maximumLevel).contains(level), "the lossy level must be 0...\(Self.maximumLevel), not \(level)")
        self.level = level
        paletteCount = palette.count
        var offsets = [Int32](repeating: 0, count: 257)
        var candidates: [UInt8] = []
        if level > 0 {
            let colors = palette.colors
            var row: [(d: Int, j: Int)] = []
            for k in 0..<256 {
                offsets[k] = Int32(candidates.count)
                guard k < colors.count else { continue }
                row.removeAll(keepingCapacity: true)
                for j in colors.indices where j != k && Self.accepts(colors[k], colors[j], level: level) {
                    row.append((Self.distanceSquared(colors[k], colors[j]), j))
                }
                row.sort { $0.d != $1.d ? $0.d < $1.d : $0.j < $1.j }
                for e in row { candidates.append(UInt8(e.j)) }
            }
        }
        offsets[256] = Int32(candidates.count)
        self.offsets = offsets
        self.candidates = candidates
    }

    /// Rule 1: whether `replacement` may be shown instead of `intended` at `level`.
    /// d² ≤ 3·255² and level ≤ 10⁴, so both sides fit easily in Int.
    public static func accepts(_ intended: RGB8, _ replacement: RGB8, level: Int) -> Bool {
        16 * distanceSquared(intended, replacement) <= level * level
    }

    static func distanceSquared(_ a: RGB8, _ b: RGB8) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }

    /// True when no index has a replacement (level 0, or no two colours close enough).
    var isLossless: Bool { candidates.isEmpty }
}
