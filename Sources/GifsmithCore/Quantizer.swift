/// The palette builders: which algorithm turns a `ColorHistogram` into a `Palette`.
///
/// Every quantizer is integer-only and deterministic, and its result depends only on the
/// histogram's contents. Palette building is shared Swift code that both pixel backends
/// use as it is, so none needs a GLSL twin.
public enum QuantizerKind: String, Sendable, Codable, CaseIterable {
    /// Median cut (`MedianCut`): split the box of largest spread at its weighted median.
    case medianCut = "median-cut"
    /// Wu's variance-minimising quantizer (`WuQuantizer`): split the box of largest variance
    /// where the two halves' summed variance is least.
    case wu
    /// Median cut refined by Lloyd iterations (`KMeansRefinement`).
    case kmeans
    /// Octree reduction (`OctreeQuantizer`): merge the least-populated octree nodes, deepest first.
    case octree
}

/// One entry point for every quantizer.
///
/// Shared rules: the result has 1...`maxColors` distinct colours (fewer when the histogram
/// has fewer non-empty bins, or when the algorithm stops early), sorted by
/// `MedianCut.lumaOrder`. A colour is always the rounded mean (round half up) of the exact
/// colour sums of a set of bins, so a bin holding one colour can come back exactly.
///
/// Colour space: with `.rgb` each quantizer works as its file says. With `.oklab` the
/// quantizer's palette (median cut's for `kmeans`) is then refined by `KMeansRefinement`'s
/// Lloyd iterations with OkLab assignment and RGB centroids (rules in that file). Median cut,
/// Wu and octree cut RGB boxes; the refinement moves their colours to where OkLab's
/// nearest-colour regions put the pixels.
public enum Quantizer {
    /// A palette of at most `maxColors` colours for `histogram`, by `kind`, in `colorSpace`.
    /// - Throws: `CoreError.invalidOption` when `maxColors` is outside 2...256 or the
    ///   histogram holds no pixels.
    public static func palette(from histogram: ColorHistogram, maxColors: Int, kind: QuantizerKind,
                               colorSpace: ColorSpace = .rgb) throws -> Palette {
        if colorSpace == .oklab {
            let start = try palette(from: histogram, maxColors: maxColors, kind: kind == .kmeans ? .medianCut : kind)
            return KMeansRefinement.refine(start.colors, histogram: histogram, colorSpace: .oklab)
        }
        switch kind {
        case .medianCut: return try MedianCut.palette(from: histogram, maxColors: maxColors)
        case .wu: return try WuQuantizer.palette(from: histogram, maxColors: maxColors)
        case .kmeans: return try KMeansRefinement.palette(from: histogram, maxColors: maxColors)
        case .octree: return try OctreeQuantizer.palette(from: histogram, maxColors: maxColors)
        }
    }

    /// The checks every quantizer makes, with MedianCut's messages.
    static func validate(_ histogram: ColorHistogram, maxColors: Int) throws {
        guard (2...256).contains(maxColors) else {
            throw CoreError.invalidOption("the palette size must be 2...256 colours, not \(maxColors)")
        }
        precondition(histogram.counts.count == ColorHistogram.binCount && histogram.sums.count == ColorHistogram.binCount * 3,
                     "a ColorHistogram has binCount counts and 3*binCount sums")
        guard histogram.counts.contains(where: { $0 != 0 }) else {
            throw CoreError.invalidOption("cannot build a palette from an empty histogram (no pixels were added)")
        }
    }

    /// `(sum + n/2) / n` per channel: round half up. ≤ 255 as each sum is at most 255·n.
    @inline(__always)
    static func roundedMean(_ r: UInt64, _ g: UInt64, _ b: UInt64, _ n: UInt64) -> RGB8 {
        let half = n / 2
        return RGB8(UInt8((r + half) / n), UInt8((g + half) / n), UInt8((b + half) / n))
    }

    /// Drops repeated colours (keeping the first) and sorts by `MedianCut.lumaOrder`.
    static func finish(_ colors: [RGB8]) -> Palette {
        var seen = Set<RGB8>()
        var unique = colors.filter { seen.insert($0).inserted }
        unique.sort(by: MedianCut.lumaOrder)
        return Palette(unique)
    }
}
