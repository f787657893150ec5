/// Temporal stability: a pixel whose source colour has not really changed keeps the palette index
/// it had in the previous frame.
///
/// Rule, per pixel, for each frame after the first that uses the same palette at the same size:
/// with `ref` the pixel's source colour when its index k was last chosen, and
/// `limit = min(threshold, errorLimits[k])` (`PaletteMapper.errorLimits`: half the distance from
/// entry k to its nearest neighbour),
///
///     if max(|r − ref_r|, |g − ref_g|, |b − ref_b|) ≤ limit:  index = k (held)
///     else:                                                   index = the mapped index, ref = (r, g, b)
///
/// The reference is the colour at the last change, not the previous frame's colour, so a slow
/// drift (a fade) cannot hold an index forever: it is re-mapped once it has moved `limit` levels.
/// The cap by the palette's local spacing keeps the error below what quantisation itself allows:
/// where entries crowd (a smooth sky's gradient) a pixel is re-mapped after a level or two; where
/// they are sparse it may drift up to `threshold`. Measured on three 1080p clips at width 480
/// (Benchmarks/README.md): a flat threshold of 2 cost the sky clip 0.005 SSIM for 21% fewer bytes;
/// the capped threshold of 8 costs it 0.003 for 18%, and saves 35–37% on the photographic clips.
/// A frame with another palette or size starts afresh (every index as mapped).
///
/// Why: dither patterns depend on every pixel's neighbourhood, so video noise of a level or two,
/// or a change elsewhere on the row, reshuffles the dither in areas that did not change, and the
/// static background shimmers. Held indices are identical to the previous frame's, so the frame
/// optimiser makes them transparent and LZW compresses them as runs: less flicker and fewer bytes.
///
/// It runs on the host after either backend's map stage (the same code for both, so the CPU==GPU
/// contract is untouched); it is one pass over the pixels, split into row bands that may run in
/// parallel. Not thread-safe otherwise: frames must come in order.
public final class TemporalStabilizer: @unchecked Sendable {
    /// Largest accepted threshold, in levels.
    public static let maximumThreshold = 64

    public let threshold: Int
    private var width = 0, height = 0
    private var palette: Palette?
    /// Per pixel: the reference colour (RGB) and the index shown.
    private var reference: [UInt8] = []
    private var shown: [UInt8] = []
    /// Per palette entry: how far a pixel showing it may drift and keep it.
    private var limits: [Int32] = []

    /// - Precondition: `threshold` in 0...`maximumThreshold`; 0 holds only exactly equal colours.
    public init(threshold: Int) {
        precondition((0...Self.maximumThreshold).contains(threshold), "stability threshold outside 0...\(Self.maximumThreshold)")
        self.threshold = threshold
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
            reference = image.pixels
            shown = mapped.indices
            return mapped
        }
        var out = mapped.indices
        let rowsPerBand = max(1, (h + 7) / 8)
        let count = (h + rowsPerBand - 1) / rowsPerBand
        try image.pixels.withUnsafeBufferPointer { src in
            try out.withUnsafeMutableBufferPointer { dst in
                try reference.withUnsafeMutableBufferPointer { ref in
                    try shown.withUnsafeMutableBufferPointer { held in
                      try limits.withUnsafeBufferPointer { lim in
                        // Disjoint row bands write disjoint ranges of `dst`, `ref` and `held`.
                        let s = src.baseAddress!, d = dst.baseAddress!, r = ref.baseAddress!, k = held.baseAddress!
                        try bands(count) { band in
                            let lo = band * rowsPerBand * w, hi = min(h, (band + 1) * rowsPerBand) * w
                            for p in lo..<hi {
                                let i = 3 * p
                                let dr = Int32(s[i]) &- Int32(r[i]), dg = Int32(s[i + 1]) &- Int32(r[i + 1])
                                let db = Int32(s[i + 2]) &- Int32(r[i + 2])
                                // Selects, not branches: held and re-mapped pixels mix at random.
                                let far = max(dr, 0 &- dr, dg, 0 &- dg, db, 0 &- db) > lim[Int(k[p])]
                                let index = far ? d[p] : k[p]
                                k[p] = index
                                d[p] = index
                                r[i] = far ? s[i] : r[i]; r[i + 1] = far ? s[i + 1] : r[i + 1]; r[i + 2] = far ? s[i + 2] : r[i + 2]
                            }
                        }
                      }
                    }
                }
            }
        }
        return IndexedImage(width: w, height: h, indices: out)
    }
}
