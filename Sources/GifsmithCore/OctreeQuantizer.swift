/// Octree colour quantization (Gervautz and Purgathofer, 1988) over the histogram's bins,
/// integer-only and deterministic.
///
/// The tree: a node at depth d (0 = root, 6 = a histogram bin) is an aligned cube of side
/// 2^(6−d) bins, named by the top 3·d bits of the bins' Morton code (bits of r, g, b
/// interleaved, most significant first). Its children are the eight half-side cubes.
///
/// Rules:
/// 1. The leaves start as the non-empty bins (depth 6).
/// 2. Reduction runs depth by depth, deepest first. At depth d (5 down to 0) every leaf is a
///    child of a depth-d node; those nodes are merged (their leaves replaced by one leaf
///    holding their pixels) in order of increasing pixel count, ties to the lowest Morton
///    prefix, until at most `maxColors` leaves remain. A node with one leaf merges for free.
/// 3. Merging a node with c leaves removes c − 1, so the result can have fewer than
///    `maxColors` colours (classic octree behaviour); with fewer non-empty bins than
///    `maxColors`, every bin keeps its own colour.
/// 4. Colours are rounded means of the leaves' exact sums. Leaves are disjoint aligned cubes
///    of bins, so their colour values are separated on some axis and the colours are
///    distinct. Sorted by `MedianCut.lumaOrder`.
///
/// Ranges: leaf sums are sums over disjoint sets of bins, as in `ColorHistogram`.
public enum OctreeQuantizer {
    struct Leaf {
        var prefix: Int
        var count: UInt64
        var r: UInt64, g: UInt64, b: UInt64
    }

    /// The octree palette (rules at the top of this file).
    /// - Throws: `CoreError.invalidOption` when `maxColors` is outside 2...256 or the
    ///   histogram holds no pixels.
    public static func palette(from histogram: ColorHistogram, maxColors: Int) throws -> Palette {
        try Quantizer.validate(histogram, maxColors: maxColors)
        var leaves: [Leaf] = []
        histogram.counts.withUnsafeBufferPointer { counts in
            histogram.sums.withUnsafeBufferPointer { s in
                for bin in 0..<ColorHistogram.binCount where counts[bin] != 0 {
                    leaves.append(Leaf(prefix: morton(bin), count: counts[bin], r: s[3 * bin], g: s[3 * bin + 1], b: s[3 * bin + 2]))
                }
            }
        }
        leaves.sort { $0.prefix < $1.prefix }

        for _ in stride(from: 5, through: 0, by: -1) where leaves.count > maxColors {
            // Leaves are sorted by prefix, so each parent's leaves are contiguous.
            var groups: [(start: Int, end: Int, count: UInt64)] = []
            var i = 0
            while i < leaves.count {
                var j = i, total: UInt64 = 0
                while j < leaves.count && leaves[j].prefix >> 3 == leaves[i].prefix >> 3 { total += leaves[j].count; j += 1 }
                groups.append((i, j, total))
                i = j
            }
            var order = Array(groups.indices)
            order.sort { a, b in
                groups[a].count != groups[b].count ? groups[a].count < groups[b].count : a < b
            }
            var merge = [Bool](repeating: false, count: groups.count)
            var remaining = leaves.count
            for g in groups.indices where groups[g].end - groups[g].start == 1 { merge[g] = true }
            for g in order where remaining > maxColors && !merge[g] {
                merge[g] = true
                remaining -= groups[g].end - groups[g].start - 1
            }
            var next: [Leaf] = []
            next.reserveCapacity(remaining)
            for (g, group) in groups.enumerated() {
                if merge[g] {
                    var m = Leaf(prefix: leaves[group.start].prefix >> 3, count: 0, r: 0, g: 0, b: 0)
                    for k in group.start..<group.end {
                        m.count += leaves[k].count; m.r += leaves[k].r; m.g += leaves[k].g; m.b += leaves[k].b
                    }
                    next.append(m)
                } else {
                    // Unmerged leaves stay one level deeper; they are never grouped again
                    // because the loop only continues while there are too many leaves,
                    // which means every group was merged.
                    next.append(contentsOf: leaves[group.start..<group.end])
                }
            }
            leaves = next
        }
        return Quantizer.finish(leaves.map { Quantizer.roundedMean($0.r, $0.g, $0.b, $0.count) })
    }

    /// The 18-bit Morton code of a bin: bit k of r, g, b (k = 5...0) at bits 3k+2, 3k+1, 3k.
    static func morton(_ bin: Int) -> Int {
        let r = bin >> 12, g = (bin >> 6) & 63, b = bin & 63
        var code = 0
        for k in stride(from: 5, through: 0, by: -1) {
            code = code << 3 | ((r >> k) & 1) << 2 | ((g >> k) & 1) << 1 | ((b >> k) & 1)
        }
        return code
    }
}
