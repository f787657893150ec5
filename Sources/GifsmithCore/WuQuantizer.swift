/// Wu's variance-minimising colour quantizer (X. Wu, "Efficient Statistical Computations
/// for Optimal Color Quantization", Graphics Gems II, 1991), integer-only and deterministic.
///
/// Grid: the histogram's own 64×64×64 bins (no re-binning to 5 bits, so no precision is
/// lost). Cumulative moments live on a 65³ grid whose plane 0 is all zero; a box is
/// `(lo, hi]` per axis in bin coordinates 0...64.
///
/// Moments per bin, all exact unsigned integers: the pixel count `w`, the exact colour sums
/// `Σr, Σg, Σb` (colour levels 0...255, not bin units), `m2 = ⌊(Σr² + Σg² + Σb²) / w⌋` (the
/// histogram keeps no sums of squares, so a bin's pixels count as sitting at the bin's exact
/// mean; within-bin spread is ignored), and the number of non-empty bins.
///
/// Rules:
/// 1. `E(S) = ⌊(Σr² + Σg² + Σb²) / w⌋` for a set S of bins (128-bit intermediate, one floor).
///    A box's variance is `max(0, m2 − E(box))` (the floors can make the difference slightly
///    negative; it is then 0).
/// 2. Repeatedly split, among the boxes holding at least two non-empty bins, the one of
///    highest variance; ties go to the lowest box index. Stop at `maxColors` boxes or when no
///    box has two non-empty bins. The lower half keeps the box's index; the upper is appended.
/// 3. The cut: for each axis and each plane `i` with `lo < i < hi`, the halves `(lo, i]` and
///    `(i, hi]` score `E(lower) + E(upper)` when both hold pixels (maximising it minimises the
///    summed variance of the halves). Per axis the highest score wins, ties to the lowest `i`;
///    across axes the highest score wins, ties R, then G, then B. Scores are exact integers
///    compared as integers: no floating point decides anything.
///    A box with two non-empty bins always has a valid cut (they differ on some axis).
/// 4. Colours are rounded means of the exact sums (`Quantizer.roundedMean`). Boxes are
///    disjoint in bin space and a cut on a bin boundary separates colour values too
///    (lower ≤ 4i − 1 < 4i ≤ upper), so colours are distinct. Sorted by `MedianCut.lumaOrder`.
///
/// Ranges: every cumulative sum is at most 255·N (N = pixels) and `m2` at most 3·255²·N, so
/// below 2^46 pixels nothing exceeds 2^64 and every quotient fits 64 bits. Box volumes by
/// inclusion–exclusion use wrapping `&+`/`&-`: the true value is in range, so the modular
/// result equals it.
public enum WuQuantizer {
    static let side = 65
    static let stride = 6  // w, Σr, Σg, Σb, m2, non-empty bins

    struct Box {
        var r0: Int, r1: Int, g0: Int, g1: Int, b0: Int, b1: Int
    }

    struct Moments {
        var w: UInt64 = 0, r: UInt64 = 0, g: UInt64 = 0, b: UInt64 = 0
    }

    /// Wu's palette for `histogram` (rules at the top of this file).
    /// - Throws: `CoreError.invalidOption` when `maxColors` is outside 2...256 or the
    ///   histogram holds no pixels.
    public static func palette(from histogram: ColorHistogram, maxColors: Int) throws -> Palette {
        try Quantizer.validate(histogram, maxColors: maxColors)
        let m = cumulativeMoments(histogram)
        let colors = m.withUnsafeBufferPointer { m -> [RGB8] in
            let mp = m.baseAddress!
            var boxes = [Box(r0: 0, r1: 64, g0: 0, g1: 64, b0: 0, b1: 64)]
            var variance = [variance(mp, boxes[0])]
            var bins = [volume(mp, boxes[0], 5)]
            while boxes.count < maxColors {
                var best = -1
                for i in boxes.indices where bins[i] >= 2 {
                    if best < 0 || variance[i] > variance[best] { best = i }
                }
                if best < 0 { break }
                let (lower, upper) = cut(mp, boxes[best])
                boxes[best] = lower
                boxes.append(upper)
                variance[best] = Self.variance(mp, lower)
                variance.append(Self.variance(mp, upper))
                bins[best] = volume(mp, lower, 5)
                bins.append(volume(mp, upper, 5))
            }
            return boxes.map { box in
                let v = moments(mp, box)
                return Quantizer.roundedMean(v.r, v.g, v.b, v.w)
            }
        }
        return Quantizer.finish(colors)
    }

    /// The 65³ cumulative moment table: entry (r, g, b) holds the moments of every bin with
    /// coordinates below (r, g, b) on all three axes.
    static func cumulativeMoments(_ histogram: ColorHistogram) -> [UInt64] {
        var m = [UInt64](repeating: 0, count: side * side * side * stride)
        m.withUnsafeMutableBufferPointer { m in
            histogram.counts.withUnsafeBufferPointer { counts in
                histogram.sums.withUnsafeBufferPointer { sums in
                    for bin in 0..<ColorHistogram.binCount where counts[bin] != 0 {
                        let r = bin >> 12, g = (bin >> 6) & 63, b = bin & 63
                        let o = (((r + 1) * side + g + 1) * side + b + 1) * stride
                        let n = counts[bin], sr = sums[3 * bin], sg = sums[3 * bin + 1], sb = sums[3 * bin + 2]
                        m[o] = n
                        m[o + 1] = sr
                        m[o + 2] = sg
                        m[o + 3] = sb
                        m[o + 4] = squaresOver(sr, sg, sb, n)
                        m[o + 5] = 1
                    }
                }
            }
            // Prefix sums along b, then g, then r. Each partial sum is a sum over a subset of
            // bins, so it stays within the ranges in the type's comment.
            let p = m.baseAddress!
            @inline(__always) func add(_ o: Int, _ from: Int) {
                for k in 0..<stride { p[o + k] &+= p[from + k] }
            }
            let bStep = stride, gStep = side * stride, rStep = side * side * stride
            for r in 0..<side {
                for g in 0..<side {
                    let row = (r * side + g) * side * stride
                    for b in 1..<side { add(row + b * bStep, row + (b - 1) * bStep) }
                }
            }
            for r in 0..<side {
                for g in 1..<side {
                    for b in 0..<side {
                        let o = ((r * side + g) * side + b) * stride
                        add(o, o - gStep)
                    }
                }
            }
            for r in 1..<side {
                for gb in 0..<(side * side) {
                    let o = (r * side * side + gb) * stride
                    add(o, o - rStep)
                }
            }
        }
        return m
    }

    /// `⌊(a² + b² + c²) / n⌋` exactly. With a, b, c ≤ 255·n and n < 2^46 each square is below
    /// 2^108, their sum below 2^110, and the quotient at most 3·255²·n < 2^64.
    @inline(__always)
    static func squaresOver(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ n: UInt64) -> UInt64 {
        let pa = a.multipliedFullWidth(by: a), pb = b.multipliedFullWidth(by: b), pc = c.multipliedFullWidth(by: c)
        let (l1, o1) = pa.low.addingReportingOverflow(pb.low)
        let (l2, o2) = l1.addingReportingOverflow(pc.low)
        let high = pa.high + pb.high + pc.high + (o1 ? 1 : 0) + (o2 ? 1 : 0)
        return n.dividingFullWidth((high: high, low: l2)).quotient
    }

    /// The sum of moment `k` over a box, by inclusion–exclusion on the cumulative table.
    @inline(__always)
    static func volume(_ m: UnsafePointer<UInt64>, _ x: Box, _ k: Int) -> UInt64 {
        @inline(__always) func at(_ r: Int, _ g: Int, _ b: Int) -> UInt64 { m[((r * side + g) * side + b) * stride + k] }
        return at(x.r1, x.g1, x.b1) &- at(x.r1, x.g1, x.b0) &- at(x.r1, x.g0, x.b1) &+ at(x.r1, x.g0, x.b0)
            &- at(x.r0, x.g1, x.b1) &+ at(x.r0, x.g1, x.b0) &+ at(x.r0, x.g0, x.b1) &- at(x.r0, x.g0, x.b0)
    }

    @inline(__always)
    static func moments(_ m: UnsafePointer<UInt64>, _ x: Box) -> Moments {
        Moments(w: volume(m, x, 0), r: volume(m, x, 1), g: volume(m, x, 2), b: volume(m, x, 3))
    }

    /// `E` of rule 1; 0 for an empty set.
    @inline(__always)
    static func explained(_ v: Moments) -> UInt64 {
        v.w == 0 ? 0 : squaresOver(v.r, v.g, v.b, v.w)
    }

    /// Rule 1's variance, clamped at 0.
    static func variance(_ m: UnsafePointer<UInt64>, _ x: Box) -> UInt64 {
        let m2 = volume(m, x, 4), e = explained(moments(m, x))
        return m2 > e ? m2 - e : 0
    }

    /// Splits a box with at least two non-empty bins (rule 3).
    static func cut(_ m: UnsafePointer<UInt64>, _ x: Box) -> (Box, Box) {
        let whole = moments(m, x)
        var bestScore: UInt64 = 0, bestAxis = -1, bestPlane = 0
        for axis in 0..<3 {  // R, G, B: a later axis must score strictly higher
            let lo = axis == 0 ? x.r0 : axis == 1 ? x.g0 : x.b0
            let hi = axis == 0 ? x.r1 : axis == 1 ? x.g1 : x.b1
            var i = lo + 1
            while i < hi {
                var lower = x
                if axis == 0 { lower.r1 = i } else if axis == 1 { lower.g1 = i } else { lower.b1 = i }
                let half = moments(m, lower)
                if half.w != 0 && half.w != whole.w {
                    let other = Moments(w: whole.w - half.w, r: whole.r - half.r, g: whole.g - half.g, b: whole.b - half.b)
                    // Each term ≤ 3·255²·(its pixels), so the sum ≤ 3·255²·N < 2^64.
                    let score = explained(half) + explained(other)
                    if bestAxis < 0 || score > bestScore { bestScore = score; bestAxis = axis; bestPlane = i }
                }
                i += 1
            }
        }
        precondition(bestAxis >= 0, "a box with two non-empty bins has a valid cut")
        var lower = x, upper = x
        switch bestAxis {
        case 0: lower.r1 = bestPlane; upper.r0 = bestPlane
        case 1: lower.g1 = bestPlane; upper.g0 = bestPlane
        default: lower.b1 = bestPlane; upper.b0 = bestPlane
        }
        return (lower, upper)
    }
}
