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
    /// A non-empty bin: its index, pixel count and colour sums.
    private struct Item {
        var bin: Int
        var count: UInt64
        var r: UInt64, g: UInt64, b: UInt64
    }

    /// Additive statistics of a set of bins. Bin-unit moments: Σ n·x ≤ 63·N and
    /// Σ n·x² ≤ 3969·N, and colour sums ≤ 255·N: no overflow below 2^52 pixels.
    private struct Stats {
        var count: UInt64 = 0
        var sum: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var m1: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var m2: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var lo = (63, 63, 63), hi = (0, 0, 0)

        @inline(__always)
        mutating func add(_ it: Item) {
            let c = it.count
            let x = it.bin >> 12, y = (it.bin >> 6) & 63, z = it.bin & 63
            // Wrapping operators: the type's comment bounds every sum far below 2^64.
            count &+= c
            sum.0 &+= it.r; sum.1 &+= it.g; sum.2 &+= it.b
            m1.0 &+= c &* UInt64(x); m2.0 &+= c &* UInt64(x &* x)
            m1.1 &+= c &* UInt64(y); m2.1 &+= c &* UInt64(y &* y)
            m1.2 &+= c &* UInt64(z); m2.2 &+= c &* UInt64(z &* z)
            lo = (min(lo.0, x), min(lo.1, y), min(lo.2, z))
            hi = (max(hi.0, x), max(hi.1, y), max(hi.2, z))
        }

        /// Removes the additive statistics of a subset (the extent is left as it was).
        mutating func subtract(_ o: Stats) {
            count -= o.count
            sum = (sum.0 - o.sum.0, sum.1 - o.sum.1, sum.2 - o.sum.2)
            m1 = (m1.0 - o.m1.0, m1.1 - o.m1.1, m1.2 - o.m1.2)
            m2 = (m2.0 - o.m2.0, m2.1 - o.m2.1, m2.2 - o.m2.2)
        }

        /// Σ_c (Σ n·x_c² − ⌊(Σ n·x_c)² / N⌋), the rule-2 score.
        var score: UInt64 { deviation(m1.0, m2.0, count) + deviation(m1.1, m2.1, count) + deviation(m1.2, m2.2, count) }
    }

    /// A box: a range of `items`, plus its statistics.
    private struct Box {
        var start: Int
        var end: Int
        var stats: Stats
        var score: UInt64

        init(_ start: Int, _ end: Int, _ stats: Stats) {
            self.start = start
            self.end = end
            self.stats = stats
            score = stats.score
        }
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

        var items = histogram.counts.withUnsafeBufferPointer { counts in
            histogram.sums.withUnsafeBufferPointer { sums in
                var n = 0
                for bin in 0..<ColorHistogram.binCount where counts[bin] != 0 { n += 1 }
                return [Item](unsafeUninitializedCapacity: n) { items, initialized in
                    var k = 0
                    for bin in 0..<ColorHistogram.binCount where counts[bin] != 0 {
                        (items.baseAddress! + k).initialize(to: Item(bin: bin, count: counts[bin], r: sums[3 * bin], g: sums[3 * bin + 1], b: sums[3 * bin + 2]))
                        k += 1
                    }
                    initialized = n
                }
            }
        }
        guard !items.isEmpty else {
            throw CoreError.invalidOption("cannot build a palette from an empty histogram (no pixels were added)")
        }

        let boxes = items.withUnsafeMutableBufferPointer { items -> [Box] in
            var all = Stats()
            for it in items { all.add(it) }
            var boxes = [Box(0, items.count, all)]
            var perCoord = [UInt64](repeating: 0, count: 64)
            while boxes.count < maxColors {
                var best = -1
                for i in boxes.indices where boxes[i].end - boxes[i].start >= 2 {
                    if best < 0 || boxes[i].score > boxes[best].score { best = i }
                }
                if best < 0 { break }
                let (lower, upper) = split(items, boxes[best], &perCoord)
                boxes[best] = lower
                boxes.append(upper)
            }
            return boxes
        }

        var colors = boxes.map { b -> RGB8 in
            let n = b.stats.count, half = n / 2
            // ≤ 255: each sum is at most 255·N, and (255·N + N/2) / N = 255.
            return RGB8(UInt8((b.stats.sum.0 + half) / n), UInt8((b.stats.sum.1 + half) / n), UInt8((b.stats.sum.2 + half) / n))
        }
        colors.sort(by: lumaOrder)
        return Palette(colors)
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

    /// `m2 − ⌊m1² / n⌋`, exactly. By Cauchy–Schwarz m1² ≤ n·m2, so it is never negative;
    /// the quotient is at most 3969·n, so it fits in 64 bits.
    private static func deviation(_ m1: UInt64, _ m2: UInt64, _ n: UInt64) -> UInt64 {
        let sq = m1.multipliedFullWidth(by: m1)
        let q = n.dividingFullWidth((high: sq.high, low: sq.low)).quotient
        return m2 - q
    }

    /// Splits a box at the weighted median of its longest side (rules 4 and 5): partitions
    /// its items and returns the lower and upper boxes. The smaller half's statistics are
    /// summed; the larger half's additive ones are the box's minus the smaller half's, and
    /// only its extent is scanned.
    private static func split(_ items: UnsafeMutableBufferPointer<Item>, _ box: Box, _ perCoord: inout [UInt64]) -> (Box, Box) {
        let st = box.stats
        let sr = deviation(st.m1.0, st.m2.0, st.count), sg = deviation(st.m1.1, st.m2.1, st.count), sb = deviation(st.m1.2, st.m2.2, st.count)
        // Ties: G, then R, then B. Shift of the bin index that extracts the axis coordinate.
        let shift: Int
        if sg >= sr && sg >= sb { shift = 6 } else if sr >= sb { shift = 12 } else { shift = 0 }

        let cut = perCoord.withUnsafeMutableBufferPointer { pc -> Int in
            pc.update(repeating: 0)
            for k in box.start..<box.end { pc[(items[k].bin >> shift) & 63] &+= items[k].count }
            var cut = -1
            var maxCoord = 0
            var below: UInt64 = 0
            for v in 0..<64 where pc[v] != 0 {
                maxCoord = v
                below += pc[v]
                if cut < 0 && 2 * below >= st.count { cut = v }
            }
            if cut == maxCoord {
                cut = -1
                for v in stride(from: maxCoord - 1, through: 0, by: -1) where pc[v] != 0 { cut = v; break }
            }
            return cut
        }
        precondition(cut >= 0, "a box with two bins spans two coordinates on its longest side")

        var i = box.start, j = box.end - 1
        while true {
            while i <= j && (items[i].bin >> shift) & 63 <= cut { i += 1 }
            while i <= j && (items[j].bin >> shift) & 63 > cut { j -= 1 }
            if i >= j { break }
            items.swapAt(i, j)
        }

        let lowerIsSmaller = i - box.start <= box.end - i
        let small = lowerIsSmaller ? box.start..<i : i..<box.end
        let large = lowerIsSmaller ? i..<box.end : box.start..<i
        var a = Stats()
        for k in small { a.add(items[k]) }
        var b = st
        b.subtract(a)
        b.lo = (63, 63, 63); b.hi = (0, 0, 0)
        for k in large {
            let bin = items[k].bin
            let x = bin >> 12, y = (bin >> 6) & 63, z = bin & 63
            b.lo = (min(b.lo.0, x), min(b.lo.1, y), min(b.lo.2, z))
            b.hi = (max(b.hi.0, x), max(b.hi.1, y), max(b.hi.2, z))
        }
        let (lower, upper) = lowerIsSmaller ? (a, b) : (b, a)
        return (Box(box.start, i, lower), Box(i, box.end, upper))
    }
}
