/// Median cut: a palette of at most `maxColors` colours from a `ColorHistogram`.
///
/// The algorithm (after FFmpeg's vf_palettegen), integer-only and fully deterministic:
///
/// 1. Boxes hold sets of non-empty histogram bins. Coordinates are bin units (0...63 per
///    channel, the colour value `>> 2`). The first box holds every non-empty bin.
/// 2. Each box has a score: its weighted sum of squared deviations from its mean, in bin
///    units, summed over the three channels, with the division floored per channel:
///    `score = Σ_c (Σ n·x_c² − ⌊(Σ n·x_c)² / N⌋)` over the bins of the box (n = bin count,
///    N = box count). The products are exact (128-bit intermediate).
/// 3. Repeatedly split the box with the highest score among the boxes with at least two
///    bins; ties go to the lowest box index. Until `maxColors` boxes exist or no box has two
///    bins. When the histogram has at most `maxColors` non-empty bins every bin thus ends in
///    its own box.
/// 4. The split axis is the box's longest side (max − min bin coordinate); ties prefer G,
///    then R, then B. A box with two bins has a side of at least 1, so the axis has at
///    least two distinct coordinates.
/// 5. The cut is the weighted median along the axis, on a coordinate boundary: `v` is the
///    smallest coordinate with `2 · (pixels at coordinates ≤ v) ≥ N`; if that is the box's
///    largest coordinate, `v` becomes the largest coordinate below it that holds pixels.
///    Bins with coordinate ≤ v form the lower box, which keeps the split box's index; the
///    others form the upper box, appended at the end. Both halves are non-empty.
/// 6. Each box's colour is the rounded mean of the exact colour sums of its bins:
///    `(Σ value + N/2) / N` per channel (round half up; all values non-negative).
///    A box of one single-colour bin gives exactly that colour. Two final boxes were once
///    separated by a cut on some axis, and the cut also separates their colour values on
///    that axis (lower ≤ 4v+3 < 4v+4 ≤ upper), so palette colours are always distinct.
/// 7. The palette is sorted by the BT.601 luma key `299·r + 587·g + 114·b`, then r, g, b
///    (a total order, as colours are distinct).
///
/// The result depends only on the histogram's contents, never on the order pixels were
/// added or on the order bins are visited.
public enum MedianCut {
    /// A box: a range of `items`, plus its statistics.
    private struct Box {
        var start: Int
        var end: Int
        var count: UInt64
        var sum: (UInt64, UInt64, UInt64)
        var lo: (Int, Int, Int)
        var hi: (Int, Int, Int)
        var score: UInt64
    }

    /// Deterministic integer median cut (rules at the top of this file).
    /// Returns 1...maxColors colours (fewer when fewer non-empty bins exist).
    /// - Throws: `CoreError.invalidOption` when `maxColors` is outside 2...256 or the
    ///   histogram holds no pixels.
    public static func palette(from histogram: ColorHistogram, maxColors: Int) throws -> Palette {
        guard (2...256).contains(maxColors) else {
            throw CoreError.invalidOption("the palette size must be 2...256 colours, not \(maxColors)")
        }
        precondition(histogram.counts.count == ColorHistogram.binCount && histogram.sums.count == ColorHistogram.binCount * 3,
                     "a ColorHistogram has binCount counts and 3*binCount sums")

        return try histogram.counts.withUnsafeBufferPointer { counts in
            try histogram.sums.withUnsafeBufferPointer { sums in
                var items = [Int32]()
                for bin in 0..<ColorHistogram.binCount where counts[bin] != 0 { items.append(Int32(bin)) }
                guard !items.isEmpty else {
                    throw CoreError.invalidOption("cannot build a palette from an empty histogram (no pixels were added)")
                }

                var boxes = [makeBox(items, 0, items.count, counts, sums)]
                while boxes.count < maxColors {
                    var best = -1
                    for i in boxes.indices where boxes[i].end - boxes[i].start >= 2 {
                        if best < 0 || boxes[i].score > boxes[best].score { best = i }
                    }
                    if best < 0 { break }
                    let b = boxes[best]
                    let mid = split(&items, b, counts)
                    boxes[best] = makeBox(items, b.start, mid, counts, sums)
                    boxes.append(makeBox(items, mid, b.end, counts, sums))
                }

                var colors = boxes.map { b -> RGB8 in
                    let half = b.count / 2
                    // ≤ 255: each sum is at most 255·N, and (255·N + N/2) / N = 255.
                    return RGB8(UInt8((b.sum.0 + half) / b.count), UInt8((b.sum.1 + half) / b.count), UInt8((b.sum.2 + half) / b.count))
                }
                colors.sort(by: lumaOrder)
                return Palette(colors)
            }
        }
    }

    /// The palette order: BT.601 luma key, then r, g, b.
    @inlinable
    public static func lumaOrder(_ a: RGB8, _ b: RGB8) -> Bool {
        let ka = 299 * Int(a.r) + 587 * Int(a.g) + 114 * Int(a.b)
        let kb = 299 * Int(b.r) + 587 * Int(b.g) + 114 * Int(b.b)
        if ka != kb { return ka < kb }
        if a.r != b.r { return a.r < b.r }
        if a.g != b.g { return a.g < b.g }
        return a.b < b.b
    }

    @inline(__always)
    private static func coords(_ bin: Int32) -> (Int, Int, Int) {
        let v = Int(bin)
        return (v >> 12, (v >> 6) & 63, v & 63)
    }

    private static func makeBox(_ items: [Int32], _ start: Int, _ end: Int,
                                _ counts: UnsafeBufferPointer<UInt64>, _ sums: UnsafeBufferPointer<UInt64>) -> Box {
        var n: UInt64 = 0
        var s: (UInt64, UInt64, UInt64) = (0, 0, 0)
        // Bin-unit moments: Σ n·x ≤ 63·N and Σ n·x² ≤ 3969·N, no overflow below 2^52 pixels.
        var m1: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var m2: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var lo = (63, 63, 63), hi = (0, 0, 0)
        for k in start..<end {
            let bin = Int(items[k])
            let c = counts[bin]
            n += c
            s.0 += sums[3 * bin]
            s.1 += sums[3 * bin + 1]
            s.2 += sums[3 * bin + 2]
            let (x, y, z) = coords(items[k])
            m1.0 += c * UInt64(x); m2.0 += c * UInt64(x * x)
            m1.1 += c * UInt64(y); m2.1 += c * UInt64(y * y)
            m1.2 += c * UInt64(z); m2.2 += c * UInt64(z * z)
            lo = (min(lo.0, x), min(lo.1, y), min(lo.2, z))
            hi = (max(hi.0, x), max(hi.1, y), max(hi.2, z))
        }
        let score = deviation(m1.0, m2.0, n) + deviation(m1.1, m2.1, n) + deviation(m1.2, m2.2, n)
        return Box(start: start, end: end, count: n, sum: s, lo: lo, hi: hi, score: score)
    }

    /// `m2 − ⌊m1² / n⌋`, exactly. By Cauchy–Schwarz m1² ≤ n·m2, so it is never negative;
    /// the quotient is at most 3969·n, so it fits in 64 bits.
    private static func deviation(_ m1: UInt64, _ m2: UInt64, _ n: UInt64) -> UInt64 {
        let sq = m1.multipliedFullWidth(by: m1)
        let q = n.dividingFullWidth((high: sq.high, low: sq.low)).quotient
        return m2 - q
    }

    /// Partitions the box's items at the weighted median of its longest side; returns the
    /// index where the upper half starts.
    private static func split(_ items: inout [Int32], _ box: Box, _ counts: UnsafeBufferPointer<UInt64>) -> Int {
        let sr = box.hi.0 - box.lo.0, sg = box.hi.1 - box.lo.1, sb = box.hi.2 - box.lo.2
        // Ties: G, then R, then B. Shift of the bin index that extracts the axis coordinate.
        let shift: Int
        if sg >= sr && sg >= sb { shift = 6 } else if sr >= sb { shift = 12 } else { shift = 0 }

        var perCoord = [UInt64](repeating: 0, count: 64)
        for k in box.start..<box.end {
            let bin = Int(items[k])
            perCoord[(bin >> shift) & 63] += counts[bin]
        }
        var cut = -1
        var maxCoord = 0
        var below: UInt64 = 0
        for v in 0..<64 where perCoord[v] != 0 {
            maxCoord = v
            below += perCoord[v]
            if cut < 0 && 2 * below >= box.count { cut = v }
        }
        if cut == maxCoord {
            cut = -1
            for v in stride(from: maxCoord - 1, through: 0, by: -1) where perCoord[v] != 0 { cut = v; break }
        }
        precondition(cut >= 0, "a box with two bins spans two coordinates on its longest side")

        var i = box.start, j = box.end - 1
        while true {
            while i <= j && (Int(items[i]) >> shift) & 63 <= cut { i += 1 }
            while i <= j && (Int(items[j]) >> shift) & 63 > cut { j -= 1 }
            if i >= j { break }
            items.swapAt(i, j)
        }
        return i
    }
}
