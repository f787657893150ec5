/// Temporal stability: a pixel keeps the palette index it had in the previous frame while that
/// index still shows its source colour about as well as the freshly mapped one would.
///
/// Rule, per pixel, for each frame after the first that uses the same palette at the same size,
/// with k the index shown, m the index the map stage chose now (dithered), s the source colour,
/// `ref` the source colour when k was last chosen, `e(i) = max_c |palette[i]_c − s_c|` and
/// `T = threshold`:
///
///  1. still:   `max_c |s_c − ref_c| ≤ min(T, errorLimits[k])`          → k (held)
///  2. as good: `T > 0` and `e(k) ≤ e(m) + min(T, 1 + A / 2)`           → k (held, `ref` kept)
///  3. otherwise                                                       → m, and `ref = s`
///
/// `errorLimits[k]` (`PaletteMapper.errorLimits`) is half the distance from entry k to its
/// nearest neighbour. A is the activity of the pixel's aligned 8x8 block of the source: the mean
/// absolute deviation from the block's mean, in levels, of its busiest channel (integer means).
///
/// Why rule 1: dither patterns depend on every pixel's neighbourhood, so video noise of a level or
/// two, or a change elsewhere on the row, reshuffles the dither in areas that did not change and
/// the static background shimmers. A pixel whose source did not move keeps its index: zero index
/// flicker on static regions. The reference is the colour at the last change, not the previous
/// frame's, so a slow drift (a fade) is re-mapped once it has moved the limit; the cap by the
/// palette's local spacing keeps that drift below what quantisation itself allows.
///
/// Why rule 2: rule 1 alone holds almost nothing where palette entries crowd (a smooth sky's
/// gradient: a limit of a level or two, below the video's noise) or where the picture moves (a
/// pan: every pixel drifts), and every re-mapped pixel brings a new, independent dither choice.
/// Isolated changed pixels are what a GIF pays most for: each breaks the frame diff's transparent
/// run (on sky1080 at width 480 a whole first frame cost 13 KB, a later frame changing 9% of its
/// pixels 8 KB). Rule 2 keeps k whenever its colour is within a small tolerance as close to the
/// source as the new dithered choice: the new choice is often no better, only different. The
/// tolerance follows the block's activity because SSIM (and the eye) forgive an error in texture
/// far more than the same error on a flat area: 1 level on a flat sky, up to T in busy detail.
/// Measured at width 480 against the rule-1-only stabilizer (threshold 8): sky1080 1.17 → 0.80 MB,
/// SSIM 0.9877 → 0.9870 (FFmpeg: 1.61 MB, 0.9860); pan1080 6.90 → 4.64 MB, 0.9485 → 0.9395
/// (FFmpeg 11.79 MB, 0.9289); mixed720 6.34 → 4.69 MB, 0.8998 → 0.8979 (FFmpeg 10.41 MB, 0.8882).
/// Tolerances that do not follow activity are worse on the sky: a flat 1 level gave 0.99 MB at
/// 0.9888, a flat 2 levels 0.88 MB at 0.9850; holding whole 8x8 or 16x8 blocks on a mean drift
/// gave 1.10 MB at 0.9859. Judging against e(m), not against the nearest colour, keeps the rule
/// neutral to the dither: k wins only if it is about as good as what the dither asked for.
///
/// A frame with another palette or size starts afresh (every index as mapped). It runs on the host
/// after either backend's map stage (the same code for both, so the CPU==GPU contract is
/// untouched); it is one pass over the pixels in bands of whole 8-row blocks that may run in
/// parallel, with every decision depending only on the pixel's own block: the result does not
/// depend on the thread count. Not thread-safe otherwise: frames must come in order.
public final class TemporalStabilizer: @unchecked Sendable {
    /// Largest accepted threshold, in levels.
    public static let maximumThreshold = 64
    /// Side of the square blocks whose activity sets rule 2's tolerance: SSIM's window.
    public static let blockSize = 8

    public let threshold: Int
    private var width = 0, height = 0
    private var palette: Palette?
    /// Per pixel: the reference colour (RGB) and the index shown.
    private var reference: [UInt8] = []
    private var shown: [UInt8] = []
    /// Per palette entry: how far a pixel showing it may drift and keep it (rule 1).
    private var limits: [Int32] = []
    /// The palette's colours, 3 per entry.
    private var colors: [Int32] = []

    /// - Precondition: `threshold` in 0...`maximumThreshold`; 0 holds only exactly equal colours.
    public init(threshold: Int) {
        precondition((0...Self.maximumThreshold).contains(threshold), "stability threshold outside 0...\(Self.maximumThreshold)")
        self.threshold = threshold
    }

    /// Rule 2's tolerance for a block of activity `activity`: 1 level on a flat area, half a level
    /// more per level of activity, at most the threshold; -1 (rule 2 off) for threshold 0.
    public static func tolerance(activity: Int, threshold: Int) -> Int {
        threshold == 0 ? -1 : min(threshold, 1 + activity / 2)
    }

    /// The indices to encode for `mapped` (the map stage's result for `image` with `palette`).
    /// `bands` runs its body for band numbers 0..<count, in any order and possibly in parallel.
    public func stabilize(_ image: RGBImage, mapped: IndexedImage, palette: Palette,
                          bands: (_ count: Int, _ body: (Int) -> Void) throws -> Void) rethrows -> IndexedImage {
        precondition(image.width == mapped.width && image.height == mapped.height, "image and indices differ in size")
        let w = image.width, h = image.height
        let continues = w == width && h == height && palette == self.palette
        if !continues {
            width = w
            height = h
            self.palette = palette
            limits = PaletteMapper.errorLimits(palette).map { min($0, Int32(threshold)) }
            colors = palette.colors.flatMap { [Int32($0.r), Int32($0.g), Int32($0.b)] }
            reference = image.pixels
            shown = mapped.indices
            return mapped
        }
        var out = mapped.indices
        let side = Self.blockSize, maximum = threshold
        let skipsEqual = threshold > 0
        let count = (h + side - 1) / side
        let blocksPerRow = (w + side - 1) / side
        try image.pixels.withUnsafeBufferPointer { src in
            try out.withUnsafeMutableBufferPointer { dst in
                try reference.withUnsafeMutableBufferPointer { ref in
                    try shown.withUnsafeMutableBufferPointer { held in
                      try limits.withUnsafeBufferPointer { lim in
                        try colors.withUnsafeBufferPointer { pal in
                        // Band b is block row b: disjoint rows of `dst`, `ref` and `held`.
                        let s = src.baseAddress!, d = dst.baseAddress!, r = ref.baseAddress!, k = held.baseAddress!
                        let c = pal.baseAddress!
                        try bands(count) { band in
                            let y0 = band * side, y1 = min(h, y0 + side)
                            // Rule 2's tolerance per block of this band row; rule 2 off (`tolerance`
                            // −1) is stored as −512, below every e(k) − e(m), so the test needs
                            // no second condition.
                            let tolerances = UnsafeMutablePointer<Int32>.allocate(capacity: blocksPerRow)
                            defer { tolerances.deallocate() }
                            for b in 0..<blocksPerRow {
                                let x0 = b * side
                                let a = x0 + side <= w && y1 - y0 == side ? Self.activity8x8(s + 3 * (y0 * w + x0), width: w)
                                                                          : Self.activity(s, width: w, x0, min(w, x0 + side), y0, y1)
                                let t = Self.tolerance(activity: a, threshold: maximum)
                                tolerances[b] = t >= 0 ? Int32(t) : -512
                            }
                            // Every pixel evaluates both rules and then selects: held and re-mapped
                            // pixels mix at random, so branches on them would mispredict. Wrapping
                            // operators throughout: every value is a level difference within ±255.
                            for y in y0..<y1 {
                                let row = y &* w
                                let sp = s + 3 &* row, rp = r + 3 &* row, dp = d + row, kp = k + row
                                var x = 0
                                while x < w {
                                    // Where the map stage chose the index already shown, both
                                    // rules keep it and its reference whenever rule 2 is on
                                    // (e(k) = e(m) ≤ e(m) + tolerance, tolerance ≥ 1): nothing
                                    // to write. Static areas are long runs of such pixels,
                                    // so eight at a time are compared as one word and skipped.
                                    if skipsEqual, x &+ 8 <= w,
                                       UnsafeRawPointer(kp + x).loadUnaligned(as: UInt64.self) == UnsafeRawPointer(dp + x).loadUnaligned(as: UInt64.self) {
                                        x &+= 8
                                        continue
                                    }
                                    // x is a multiple of 8 (= side) here, so the group lies
                                    // in one block: one tolerance.
                                    let end = min(w, x &+ 8)
                                    let tolerance = tolerances[x / side]
                                    while x < end {
                                        let i = 3 &* x
                                        let sr = Int32(sp[i]), sg = Int32(sp[i &+ 1]), sb = Int32(sp[i &+ 2])
                                        let kept = Int(kp[x]), chosen = Int(dp[x])
                                        // Rule 1: the source has not moved.
                                        let drift = max(Self.magnitude(sr &- Int32(rp[i])), Self.magnitude(sg &- Int32(rp[i &+ 1])),
                                                        Self.magnitude(sb &- Int32(rp[i &+ 2])))
                                        let still = drift <= lim[kept]
                                        // Rule 2: the shown colour is about as close as the new choice.
                                        let a = 3 &* kept, m = 3 &* chosen
                                        let ek = max(Self.magnitude(c[a] &- sr), Self.magnitude(c[a &+ 1] &- sg), Self.magnitude(c[a &+ 2] &- sb))
                                        let em = max(Self.magnitude(c[m] &- sr), Self.magnitude(c[m &+ 1] &- sg), Self.magnitude(c[m &+ 2] &- sb))
                                        let hold = still || ek <= em &+ tolerance
                                        let index = hold ? kp[x] : dp[x]
                                        dp[x] = index
                                        kp[x] = index
                                        rp[i] = hold ? rp[i] : sp[i]
                                        rp[i &+ 1] = hold ? rp[i &+ 1] : sp[i &+ 1]
                                        rp[i &+ 2] = hold ? rp[i &+ 2] : sp[i &+ 2]
                                        x &+= 1
                                    }
                                }
                            }
                        }
                        }
                      }
                    }
                }
            }
        }
        return IndexedImage(width: w, height: h, indices: out)
    }

    /// The activity of the block x0..<x1, y0..<y1 of an RGB image `width` wide: the mean absolute
    /// deviation from the block's (integer) mean, in whole levels, of its busiest channel.
    static func activity(_ s: UnsafePointer<UInt8>, width w: Int, _ x0: Int, _ x1: Int, _ y0: Int, _ y1: Int) -> Int {
        let n = (x1 - x0) * (y1 - y0)
        var sr = 0, sg = 0, sb = 0
        for y in y0..<y1 {
            let row = s + 3 &* (y &* w)
            for x in x0..<x1 {
                sr &+= Int(row[3 &* x]); sg &+= Int(row[3 &* x &+ 1]); sb &+= Int(row[3 &* x &+ 2])
            }
        }
        let mr = Int32(sr / n), mg = Int32(sg / n), mb = Int32(sb / n)
        var ar: Int32 = 0, ag: Int32 = 0, ab: Int32 = 0
        for y in y0..<y1 {
            let row = s + 3 &* (y &* w)
            for x in x0..<x1 {
                ar &+= magnitude(Int32(row[3 &* x]) &- mr)
                ag &+= magnitude(Int32(row[3 &* x &+ 1]) &- mg)
                ab &+= magnitude(Int32(row[3 &* x &+ 2]) &- mb)
            }
        }
        return Int(max(ar, ag, ab)) / n
    }

    /// `activity` of a whole 8x8 block at `block` (its top-left pixel), eight pixels of a row at a
    /// time: a row's 24 bytes are lanes 0...23, so lane l holds channel l mod 3. The same integers
    /// as `activity` (sums are exact: a lane adds at most 8 values of 0...255), about eight times
    /// fewer instructions; the per-channel loops of `activity` were a third of the stabilizer's
    /// time at full size.
    static func activity8x8(_ block: UnsafePointer<UInt8>, width w: Int) -> Int {
        typealias Lo = SIMD16<Int16>
        typealias Hi = SIMD8<Int16>
        @inline(__always) func row(_ y: Int) -> (Lo, Hi) {
            let p = UnsafeRawPointer(block + 3 &* (y &* w))
            return (Lo(truncatingIfNeeded: p.loadUnaligned(as: SIMD16<UInt8>.self)),
                    Hi(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: 16, as: SIMD8<UInt8>.self)))
        }
        // Per channel, the sum of lanes l ≡ c (mod 3): lanes 0...15 of `lo`, then lanes 16...23
        // (`hi`'s 0...7, whose channel is (16 + j) mod 3 = (j + 1) mod 3).
        @inline(__always) func channels(_ lo: Lo, _ hi: Hi) -> (Int32, Int32, Int32) {
            var t: (Int32, Int32, Int32) = (0, 0, 0)
            for l in stride(from: 0, to: 16, by: 3) { t.0 &+= Int32(lo[l]) }
            for l in stride(from: 1, to: 16, by: 3) { t.1 &+= Int32(lo[l]) }
            for l in stride(from: 2, to: 16, by: 3) { t.2 &+= Int32(lo[l]) }
            for j in stride(from: 2, to: 8, by: 3) { t.0 &+= Int32(hi[j]) }
            for j in stride(from: 0, to: 8, by: 3) { t.1 &+= Int32(hi[j]) }
            for j in stride(from: 1, to: 8, by: 3) { t.2 &+= Int32(hi[j]) }
            return t
        }
        var lo = Lo(), hi = Hi()
        for y in 0..<8 {
            let (l, h) = row(y)
            lo &+= l; hi &+= h
        }
        let sums = channels(lo, hi)
        let mr = Int16(sums.0 / 64), mg = Int16(sums.1 / 64), mb = Int16(sums.2 / 64)
        var means = Lo(), meansHi = Hi()
        for l in 0..<16 { means[l] = l % 3 == 0 ? mr : l % 3 == 1 ? mg : mb }
        for j in 0..<8 { meansHi[j] = j % 3 == 2 ? mr : j % 3 == 0 ? mg : mb }
        lo = Lo(); hi = Hi()
        for y in 0..<8 {
            let (l, h) = row(y)
            let dl = l &- means, dh = h &- meansHi
            lo &+= pointwiseMax(dl, 0 &- dl)
            hi &+= pointwiseMax(dh, 0 &- dh)
        }
        let deviations = channels(lo, hi)
        return Int(max(deviations.0, deviations.1, deviations.2)) / 64
    }

    /// |v| for a level difference (|v| ≤ 255, so no overflow), without a branch.
    @inline(__always)
    static func magnitude(_ v: Int32) -> Int32 {
        let sign = v >> 31
        return (v ^ sign) &- sign
    }
}
