/// Per-axis resampling table: for output sample i, `taps` coefficients starting at source
/// index `starts[i]`.
///
/// Tables are built once per source geometry on the CPU, from exact rational geometry and
/// Int64 fixed point only, and are shared by every backend (the Vulkan backend uploads the
/// same arrays), so the two backends agree on them by construction.
///
/// Guarantees the kernels rely on:
/// - `starts[i] ... starts[i] + taps - 1` lies inside the region the table was made for
///   (edge clamping is folded into the coefficients here, so kernels never clamp);
/// - every row of `coefficients` sums to exactly `1 << precision`;
/// - in every row the positive coefficients sum to at most `maxPositiveSum` (`4 << precision`),
///   which is what the kernel's Int32 range proofs need (Catmull-Rom rows stay below 1.14,
///   area rows are exactly 1).
///
/// Rows may have zero coefficients at either end: every row has `taps` entries, and
/// `ScalePlan` pads horizontal tables with zero taps to lengths the CPU kernel has
/// fixed-length loops for.
public struct FilterTable: Sendable, Equatable {
    public let outputSize: Int
    /// Coefficients per output sample (at least 1).
    public let taps: Int
    /// First source index of each output sample (`outputSize` entries).
    public let starts: [Int32]
    /// `outputSize * taps` coefficients in units of `1 / (1 << precision)`, row by row.
    public let coefficients: [Int16]

    public static let precision = 14
    /// Upper bound on the sum of a row's positive coefficients (checked when a table is made).
    public static let maxPositiveSum = 4 << precision

    /// One tap of weight `1 << precision` per output sample (rows sum to that, so any
    /// one-tap table is one): a pure index lookup, usually `starts[i] = start + i` when the
    /// output size equals the crop. Kernels may take a copy fast path for it (same bytes as
    /// the general path).
    public var isIdentity: Bool { taps == 1 }

    /// Makes the table for one axis of one plane.
    ///
    /// Geometry, in luma pixel-edge coordinates (luma sample k is centred at k + 0.5):
    /// output sample i is centred at `lumaStart + (2i+1) * lumaSize / (2 * outputSize)`.
    /// A plane sample j of a plane subsampled by `shift` is centred at `(2j+1) * 2^shift / 2`
    /// (`.center`) or at `j * 2^shift + 0.5` (`.left`, co-sited with the left luma sample).
    /// With `shift == 0` both sitings are the luma grid.
    ///
    /// - Parameters:
    ///   - sourceSize: the plane's size along this axis, in plane samples.
    ///   - regionStart, regionSize: the plane samples that may be read (the crop in this
    ///     plane); taps falling outside are folded onto the nearest edge sample.
    ///   - outputSize: output samples along this axis.
    ///   - lumaStart, lumaSize: the crop along this axis in luma pixels.
    ///   - shift: the plane's subsampling (0 for luma, 1 for 4:2:x chroma), 0...2.
    ///   - siting: where subsampled samples sit (use `.center` vertically).
    ///   - filter: `.bicubic` is Catmull-Rom (a = -0.5) stretched by the downscale factor when
    ///     downscaling (so it antialiases, as swscale and Pillow do). `.area` weighs each source
    ///     sample by how much of it the output sample's footprint covers, the footprint being
    ///     `max(1, step)` source samples wide: exact area averaging when downscaling, and
    ///     exactly bilinear interpolation when upscaling (a unit box over unit samples).
    public static func make(
        sourceSize: Int, regionStart: Int, regionSize: Int, outputSize: Int,
        lumaStart: Int, lumaSize: Int, shift: Int, siting: ChromaSiting, filter: ScaleFilter
    ) -> FilterTable {
        precondition(sourceSize >= 1 && sourceSize <= 1 << 20, "plane size out of range")
        precondition(regionStart >= 0 && regionSize >= 1 && regionSize <= sourceSize - regionStart, "region outside the plane")
        precondition(outputSize >= 1 && outputSize <= 1 << 16, "output size out of range")
        precondition(lumaStart >= 0 && lumaSize >= 1 && lumaStart + lumaSize <= 1 << 22, "luma crop out of range")
        precondition(shift >= 0 && shift <= 2, "plane shift must be 0...2")

        let one: Int64 = 1 << 16  // positions and distances are Q16
        let out = Int64(outputSize)
        let r0 = Int64(regionStart)
        let r1 = Int64(regionStart + regionSize - 1)

        // Position of output sample i in plane-sample coordinates (sample j sits at j):
        //   center: p = x / 2^s - 1/2,  left: p = (x - 1/2) / 2^s,  x = cx + (2i+1)W/(2 out)
        // so p = num(i) / den with the integers below (|num| < 2^41, den <= 2^19).
        let den = (2 * out) << Int64(shift)
        let num0 = 2 * out * Int64(lumaStart) + Int64(lumaSize) - (siting == .center ? out << Int64(shift) : out)
        let numStep = 2 * Int64(lumaSize)

        // step = plane samples per output sample = W / (out 2^s); the kernel is stretched by
        // max(1, step) so downscales antialias.
        let stretchQ = max(one, roundDiv(Int64(lumaSize) * one, out << Int64(shift)))
        // Half-width (Q16) beyond which a source sample gets no weight.
        let reachQ: Int64 = filter == .bicubic ? 2 * stretchQ : ((stretchQ + one) >> 1) + 1

        var rowFirst = [Int64](repeating: 0, count: outputSize)
        var rowCoefs: [[Int64]] = []
        rowCoefs.reserveCapacity(outputSize)
        var weights: [Int64] = []
        var taps = 1

        for i in 0..<outputSize {
            // Q16, rounded half up; |num| * 2^17 < 2^58.
            let num = num0 + Int64(i) * numStep
            let pQ = floorDiv(num * one * 2 + den, den * 2)
            let jLo = floorDiv(pQ - reachQ, one)
            let jHi = floorDiv(pQ + reachQ, one) + 1
            // Fold out-of-region taps onto the edge samples: the window is the clamped range.
            let wLo = clamp(jLo, r0, r1)
            let wHi = clamp(jHi, r0, r1)
            weights.removeAll(keepingCapacity: true)
            weights.append(contentsOf: repeatElement(0, count: Int(wHi - wLo + 1)))
            var sum: Int64 = 0
            var j = jLo
            while j <= jHi {
                let w = filter == .bicubic
                    ? catmullRomWeight(distanceQ: abs(j * one - pQ), stretchQ: stretchQ)
                    : areaWeight(centreQ: j * one, positionQ: pQ, stretchQ: stretchQ)
                weights[Int(clamp(j, r0, r1) - wLo)] += w
                sum += w
                j += 1
            }
            precondition(sum > 0, "filter row with no weight")

            // Quantise to Q14, rounding half up. The rounding remainder r (usually 0 or ±1)
            // goes on the largest tap, lowest index on ties; when |r| > 1 (wide filters:
            // a 300-tap box rounds every 54.6 up to 55) it is spread one unit a tap over the
            // largest taps in that order, so no tap absorbs more than its share.
            let unit = Int64(1) << Int64(precision)
            var q = weights.map { floorDiv(2 * $0 * unit + sum, 2 * sum) }
            let remainder = unit - q.reduce(0, +)
            if remainder != 0 {
                let order = q.indices.sorted { q[$0] != q[$1] ? q[$0] > q[$1] : $0 < $1 }
                let unitStep: Int64 = remainder > 0 ? 1 : -1
                for n in 0..<Int(abs(remainder)) {
                    q[order[n % order.count]] += unitStep
                }
            }

            // Trim zero coefficients at both ends so the table is no wider than needed.
            var first = 0
            while q[first] == 0 { first += 1 }
            var last = q.count - 1
            while q[last] == 0 { last -= 1 }
            let row = Array(q[first...last])
            // Range proof support (see ConvertKernel): each |coefficient| < 2^15 and the
            // positive part of a row is bounded.
            var positive: Int64 = 0
            for c in row {
                precondition(c >= Int64(Int16.min) && c <= Int64(Int16.max), "filter coefficient overflows Int16")
                if c > 0 { positive += c }
            }
            precondition(positive <= Int64(maxPositiveSum), "filter row too far from a partition of unity")
            rowFirst[i] = wLo + Int64(first)
            rowCoefs.append(row)
            taps = max(taps, row.count)
        }

        // Every row is at most `taps` wide and lies in the region, so a window of `taps`
        // starting at its first tap, slid left to end at the region's last sample if needed,
        // covers it and stays in the region (taps <= regionSize since each row is inside it).
        var starts = [Int32](repeating: 0, count: outputSize)
        var coefficients = [Int16](repeating: 0, count: outputSize * taps)
        for i in 0..<outputSize {
            let start = min(rowFirst[i], r1 - Int64(taps) + 1)
            starts[i] = Int32(start)
            let offset = Int(rowFirst[i] - start)
            for (k, c) in rowCoefs[i].enumerated() {
                coefficients[i * taps + offset + k] = Int16(c)
            }
        }
        return FilterTable(outputSize: outputSize, taps: taps, starts: starts, coefficients: coefficients)
    }

    /// The same table with `newTaps` taps (≥ `taps`, ≤ `regionSize`): each row keeps its
    /// coefficients at the same source indices, padded with zeros, its window slid left where
    /// it would leave the region. The filter is unchanged; only the loop length grows.
    func padded(to newTaps: Int, regionStart: Int, regionSize: Int) -> FilterTable {
        precondition(newTaps >= taps && newTaps <= regionSize, "padding outside the region")
        if newTaps == taps { return self }
        let last = regionStart + regionSize - 1
        var newStarts = [Int32](repeating: 0, count: outputSize)
        var newCoefficients = [Int16](repeating: 0, count: outputSize * newTaps)
        for i in 0..<outputSize {
            let start = min(Int(starts[i]), last - newTaps + 1)
            newStarts[i] = Int32(start)
            let offset = Int(starts[i]) - start
            for k in 0..<taps {
                newCoefficients[i * newTaps + offset + k] = coefficients[i * taps + k]
            }
        }
        return FilterTable(outputSize: outputSize, taps: newTaps, starts: newStarts, coefficients: newCoefficients)
    }

    init(outputSize: Int, taps: Int, starts: [Int32], coefficients: [Int16]) {
        self.outputSize = outputSize
        self.taps = taps
        self.starts = starts
        self.coefficients = coefficients
    }
}

// MARK: - Kernels, Int64 fixed point

/// Catmull-Rom (a = -0.5) at distance d / stretch, as an unnormalised Q24 weight.
///
/// With t = d / stretch: 2K(t) = 3t³ - 5t² + 2 for t < 1, -t³ + 5t² - 8t + 4 for 1 <= t < 2.
/// Evaluated in Q48 with t in Q16 (t < 2^17, so every term is below 2^53).
private func catmullRomWeight(distanceQ: Int64, stretchQ: Int64) -> Int64 {
    let one: Int64 = 1 << 16
    let t = roundDiv(distanceQ * one, stretchQ)  // distanceQ < 2^40, so 2 * product < 2^57
    if t >= 2 * one { return 0 }
    let t2 = t * t        // Q32
    let t3 = t2 * t       // Q48
    let twiceK: Int64
    if t < one {
        twiceK = 3 * t3 - 5 * (t2 << 16) + (2 << 48)
    } else {
        twiceK = -t3 + 5 * (t2 << 16) - 8 * (t << 32) + (4 << 48)
    }
    // Q48 of 2K → Q24 of K, rounded half up (arithmetic shift: floor).
    return (twiceK + (1 << 24)) >> 25
}

/// Overlap (Q16) of source sample [c - 1/2, c + 1/2] with the footprint
/// [p - stretch/2, p + stretch/2].
private func areaWeight(centreQ: Int64, positionQ: Int64, stretchQ: Int64) -> Int64 {
    let half: Int64 = 1 << 15
    let lo = max(centreQ - half, positionQ - (stretchQ >> 1))
    let hi = min(centreQ + half, positionQ + (stretchQ - (stretchQ >> 1)))
    return max(0, hi - lo)
}

/// ⌊a / b⌋ for b > 0 and any sign of a (Swift's `/` truncates toward zero).
@inline(__always)
private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && a < 0) ? q - 1 : q
}

/// a / b rounded half up, for a >= 0, b > 0.
@inline(__always)
private func roundDiv(_ a: Int64, _ b: Int64) -> Int64 {
    (2 * a + b) / (2 * b)
}

@inline(__always)
private func clamp(_ v: Int64, _ lo: Int64, _ hi: Int64) -> Int64 {
    min(max(v, lo), hi)
}
