/// K-means refinement of the median-cut palette: Lloyd iterations over the histogram's
/// non-empty bins, integer-only and deterministic.
///
/// Rules:
/// 1. Start from `MedianCut.palette(from:maxColors:)`, in its (luma) order.
/// 2. The points are the non-empty bins, each weighted by its pixel count and located at its
///    rounded mean colour (`Quantizer.roundedMean`), so all pixels of one 6-bit bin move
///    together.
/// 3. Assignment: each point goes to its exact nearest palette colour (squared RGB distance,
///    lowest index on ties: `PaletteMapper.nearest`).
/// 4. Update: each colour becomes the rounded mean of the exact colour sums of the bins
///    assigned to it. A colour with no bins keeps its value.
/// 5. Repeat 3–4 up to `iterations` times (default 8), stopping early when an update changes
///    no colour.
/// 6. Colours that became equal are merged (the first kept), then the result is sorted by
///    `MedianCut.lumaOrder`.
///
/// Each Lloyd step cannot increase the weighted squared error of the points except through
/// the rounding of centroids (at most 3·0.5² per pixel), so the palette is at least about as
/// good as median cut's on the histogram.
///
/// Ranges: a cluster's sums are sums over a subset of bins (≤ 255·N), as in `ColorHistogram`.
///
/// In OkLab (`refine(_:histogram:iterations:colorSpace:)` with `.oklab`, used by
/// `Quantizer` for `--colorspace oklab`): the start is the given palette, and step 3 assigns each
/// point to its nearest colour in OkLab (`OkLabSearch`: squared fixed-point OkLab distance, lowest
/// index on ties). Step 4 is unchanged: a colour becomes the RGB mean of its points' pixels. So
/// clusters follow perceptual distance (hue and chroma differences weighed as the eye weighs
/// them; along greys sRGB's encoding is already close to OkLab's lightness, so little changes
/// there), while every colour is still an exact rounded mean of real pixels; this is Lloyd's assignment
/// in OkLab with an RGB centroid, not a k-means that minimises OkLab error exactly.
public enum KMeansRefinement {
    /// The default number of Lloyd iterations.
    public static let defaultIterations = 8

    /// The refined palette (rules at the top of this file).
    /// - Throws: `CoreError.invalidOption` when `maxColors` is outside 2...256 or the
    ///   histogram holds no pixels.
    public static func palette(from histogram: ColorHistogram, maxColors: Int,
                               iterations: Int = defaultIterations) throws -> Palette {
        try Quantizer.validate(histogram, maxColors: maxColors)
        return refine(try MedianCut.palette(from: histogram, maxColors: maxColors).colors, histogram: histogram,
                      iterations: iterations, colorSpace: .rgb)
    }

    /// Rules 2–6 from `start` (a non-empty list of colours), assigning in `colorSpace`.
    static func refine(_ start: [RGB8], histogram: ColorHistogram, iterations: Int = defaultIterations,
                       colorSpace: ColorSpace) -> Palette {
        var colors = start

        // The points: packed rounded-mean colour, count, sums.
        var points: [Int32] = []
        var weights: [UInt64] = []
        var sums: [UInt64] = []
        histogram.counts.withUnsafeBufferPointer { counts in
            histogram.sums.withUnsafeBufferPointer { s in
                for bin in 0..<ColorHistogram.binCount where counts[bin] != 0 {
                    let n = counts[bin]
                    let c = Quantizer.roundedMean(s[3 * bin], s[3 * bin + 1], s[3 * bin + 2], n)
                    points.append(Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b))
                    weights.append(n)
                    sums.append(s[3 * bin]); sums.append(s[3 * bin + 1]); sums.append(s[3 * bin + 2])
                }
            }
        }

        var acc = [UInt64](repeating: 0, count: colors.count * 4)
        for _ in 0..<max(0, iterations) {
            let mapper = PaletteMapper(palette: Palette(colors), colorSpace: colorSpace)
            acc.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            for k in points.indices {
                let p = points[k]
                let i = mapper.nearest(p >> 16, (p >> 8) & 255, p & 255)
                acc[4 * i] += weights[k]
                acc[4 * i + 1] += sums[3 * k]
                acc[4 * i + 2] += sums[3 * k + 1]
                acc[4 * i + 3] += sums[3 * k + 2]
            }
            var changed = false
            for i in colors.indices where acc[4 * i] != 0 {
                let c = Quantizer.roundedMean(acc[4 * i + 1], acc[4 * i + 2], acc[4 * i + 3], acc[4 * i])
                if c != colors[i] { colors[i] = c; changed = true }
            }
            if !changed { break }
        }
        return Quantizer.finish(colors)
    }
}
