/// The map+dither stage: every pixel to a palette index. This file is the specification the
/// GLSL shader mirrors; all arithmetic is on Int32 and every formula is written out here.
///
/// Common to all methods: `nearest(r, g, b)` is `PaletteMapper`'s exact nearest colour
/// (squared RGB distance, lowest index on ties; in OkLab for a mapper made with `.oklab`,
/// `OkLabSearch` — everything else below stays RGB arithmetic either way); `clamp(v) = min(max(v, 0), 255)`;
/// `>>` is an arithmetic shift (floor division by a power of two, also for negatives).
///
/// - `none`: `index = nearest(r, g, b)`.
///
/// - `bayer` (scale s = `bayerScale` clamped to 0...5): with the 8×8 Bayer value
///   `M = bayerMatrix[(y & 7) << 3 | (x & 7)]` (0...63, FFmpeg's table),
///   `offset = ((2·M − 63) · (32 >> s)) >> 6` — rounding: floor, i.e. bias 0. This equals
///   FFmpeg paletteuse's `(M >> s) − (32 >> s)` for every M and s (so offsets span
///   −(32>>s) ... (32>>s)−1). Then `index = nearest(clamp(r+offset), clamp(g+offset), clamp(b+offset))`.
///
/// - `blue-noise` (same scale s): as `bayer`, with the 64×64 blue-noise ranks
///   `R = BlueNoise.matrix[(y & 63) << 6 | (x & 63)]` (0...4095) and
///   `offset = ((2·R − 4095) · (32 >> s)) >> 12`, floor: the same amplitude and the same even
///   spread of offset values as `bayer` at that scale, so the two differ only in where each
///   offset falls. Bayer's pattern is a visible cross-hatch; blue noise has no low-frequency
///   structure, so it reads as fine grain. Both patterns are fixed in screen space (they
///   depend on x and y only, anchored at the frame's top-left corner), so a static region
///   maps to the same indices in every frame and the frame optimiser can skip it.
///   Measured at width 480 (5 s clips, scale 2): SSIM and PSNR equal Bayer's to 0.0002 (the
///   same offsets, so the same noise power); bytes equal on photographic pans, but 42 % more on
///   a smooth sky, where LZW finds Bayer's 8-pixel period and no period in blue noise.
///
/// - Error diffusion (`floyd-steinberg`, `sierra-2-4a`, `atkinson`): pixels are visited in
///   raster order (rows top to bottom, each left to right; no serpentine). Each pixel has
///   one integer accumulator per channel, in whole levels, starting at 0. At a pixel, per
///   channel c:
///
///       v_c   = clamp(src_c + acc_c)
///       index = nearest(v_r, v_g, v_b)
///       L     = errorLimits[index]                        (PaletteMapper: half the gap to the
///                                                          entry's nearest neighbour, ≥ 1)
///       err_c = min(max(v_c − palette[index]_c, −L), L)
///       acc_c(neighbour) += trunc(err_c · weight / D)   for each neighbour inside the image
///
///   `trunc` rounds toward zero, written without `/` on negatives:
///   `t(x, s) = (x + ((x >> 31) & (2^s − 1))) >> s` with D = 2^s (the bias applies to negative x only).
///
///   Two departures from textbook diffusion, both measured against FFmpeg's paletteuse
///   (sierra2_4a) on a photographic 1080p pan at width 480:
///   - each share is truncated toward zero (as FFmpeg does), so errors of a level or two die
///     out instead of seeding noise in smooth areas;
///   - the error passed on is limited to half the distance to the chosen entry's nearest
///     neighbour. A pixel far from every palette colour (a rare colour the palette had to
///     approximate) otherwise sprays a large error that shows as crawling noise; within the
///     palette's local spacing, diffusion still reproduces in-between shades. Sparse palettes
///     (2 or 16 colours) have large limits, so their dithering is unaffected.
///   Exact accumulation without either: SSIM 0.936 at 2.75 MB; with both: SSIM 0.96 at
///   2.65 MB, against FFmpeg's 0.956 at 2.69 MB (1 s excerpt, Benchmarks/README.md).
///
///   Error pushed outside the image is dropped. Weights (D):
///   - floyd-steinberg (16): (x+1,y) 7; (x−1,y+1) 3; (x,y+1) 5; (x+1,y+1) 1.
///   - sierra-2-4a (4):      (x+1,y) 2; (x−1,y+1) 1; (x,y+1) 1.
///   - atkinson (8):         (x+1,y), (x+2,y), (x−1,y+1), (x,y+1), (x+1,y+1), (x,y+2): 1 each
///     (6/8 of the error is diffused, 2/8 is dropped).
///
///   Ranges: |err| ≤ 255 and a pixel receives at most 255 per channel in absolute value from
///   its neighbours (the weights of any one kernel sum to at most D), so accumulators stay
///   within ±255·(number of contributors) < 2^12: Int32 with the wrapping operators cannot wrap.
///
///   Pixel (x, y) has all its contributions once row y−1 is done up to x+1 and row y−2 up
///   to x (atkinson), and row y up to x−1. So a skewed wavefront, each row two pixels behind
///   the row above, visits every pixel after all its contributors; integer addition makes
///   the order of contributions irrelevant, so it reproduces this exactly. The CPU loops do
///   the same with two rows at a time (their two dependency chains then overlap), holding
///   three rows of accumulators (four for atkinson).
public enum DitherKernel {
    /// FFmpeg's 8×8 ordered-dither matrix, indexed `y << 3 | x`: bits of x and x^y
    /// interleaved and reversed.
    public static let bayerMatrix: [Int32] = (0..<64).map { p in
        let q = p ^ (p >> 3)
        return Int32((p & 4) >> 2 | (q & 4) >> 1 | (p & 2) << 1 | (q & 2) << 2 | (p & 1) << 4 | (q & 1) << 5)
    }

    /// The 64 Bayer offsets for a scale (clamped to 0...5), indexed `(y & 7) << 3 | (x & 7)`.
    public static func bayerOffsets(scale: Int) -> [Int32] {
        let s = Int32(min(max(scale, 0), 5))
        // (2M − 63)·32 is within ±2016: no overflow.
        return bayerMatrix.map { m in ((2 * m - 63) * (32 >> s)) >> 6 }
    }

    /// Maps every pixel of `image` to the index of a palette colour, with `dither`.
    /// Indices are always below `mapper.palette.count`.
    public static func map(_ image: RGBImage, mapper: PaletteMapper, dither: Dither) -> IndexedImage {
        let w = image.width, h = image.height
        if w == 0 || h == 0 { return IndexedImage(width: w, height: h, indices: []) }
        let indices = [UInt8](unsafeUninitializedCapacity: w * h) { dst, initialized in
            image.pixels.withUnsafeBufferPointer { src in
                mapper.cellTable.withUnsafeBufferPointer { table in
                    mapper.candidates.withUnsafeBufferPointer { cand in
                      mapper.errorLimits.withUnsafeBufferPointer { limits in
                       (mapper.okLab?.data ?? []).withUnsafeBufferPointer { lab in
                        let rgb = RGBNearest(table: table.baseAddress!, cand: cand.baseAddress!)
                        // One specialised copy of the loops per colour space: a branch on the space
                        // inside the search kept the RGB loops from being inlined (25% slower).
                        if mapper.okLab != nil {
                            run(Kernel(src: src.baseAddress!, dst: dst.baseAddress!, nearest: OkLabNearest(rgb: rgb, lab: lab.baseAddress!),
                                       limits: limits.baseAddress!, width: w, height: h), dither)
                        } else {
                            run(Kernel(src: src.baseAddress!, dst: dst.baseAddress!, nearest: rgb,
                                       limits: limits.baseAddress!, width: w, height: h), dither)
                        }
                       }
                      }
                    }
                }
            }
            initialized = w * h
        }
        return IndexedImage(width: w, height: h, indices: indices)
    }

    /// The loops. `lookup` returns the candidate word `index << 24 | r << 16 | g << 8 | b`.
    /// Each loop remembers its last query and answer; reusing the answer for a repeated
    /// query cannot change a result.
    ///
    /// Error diffusion keeps the contributions from rows above in row buffers (one pixel of
    /// padding on the left and two on the right so edge pixels need no branches; padding is
    /// never read as a pixel's accumulator and is cleared with its row) and the
    /// contributions from the same row in registers (`Carry`), so the next pixel does not
    /// wait for a store. The sum per pixel is the same integer either way.
    private static func run<N: NearestColor>(_ k: Kernel<N>, _ dither: Dither) {
        switch dither.method {
        case .none: k.plain()
        case .bayer: k.ordered(bayerOffsets(scale: dither.bayerScale), sizeShift: 3)
        case .blueNoise: k.ordered(BlueNoise.offsets(scale: dither.bayerScale), sizeShift: BlueNoise.sizeShift)
        case .floydSteinberg: k.floydSteinberg()
        case .sierra24a: k.sierra24a()
        case .atkinson: k.atkinson()
        }
    }

    private struct Kernel<Nearest: NearestColor> {
        let src: UnsafePointer<UInt8>
        let dst: UnsafeMutablePointer<UInt8>
        let nearest: Nearest
        let limits: UnsafePointer<Int32>
        let width: Int
        let height: Int

        /// The candidate word of the nearest colour, in the mapper's colour space.
        @inline(__always)
        func lookup(_ r: Int32, _ g: Int32, _ b: Int32) -> UInt32 { nearest.lookup(r, g, b) }

        @inline(__always)
        func clamp(_ v: Int32) -> Int32 { min(max(v, 0), 255) }

        /// trunc(e·w / 2^s): the share of an error, rounded toward zero. Branch-free: a
        /// negative x gets a bias of 2^s − 1 before the arithmetic shift (the sign-data-dependent
        /// branch of the obvious form costs a misprediction every few pixels).
        @inline(__always)
        func share(_ e: Int32, _ w: Int32, _ s: Int32) -> Int32 {
            let x = e &* w
            return (x &+ ((x >> 31) & ((1 << s) &- 1))) >> s
        }

        func plain() {
            var lastKey: Int32 = -1
            var last: UInt32 = 0
            var i = 0
            for p in 0..<(width * height) {
                let r = Int32(src[i]), g = Int32(src[i + 1]), b = Int32(src[i + 2])
                let key = r << 16 | g << 8 | b
                if key != lastKey { last = lookup(r, g, b); lastKey = key }
                dst[p] = UInt8(truncatingIfNeeded: last >> 24)
                i &+= 3
            }
        }

        /// Bayer and blue noise: `offsets` is a square pattern of side 2^sizeShift, indexed
        /// `(y mod side) << sizeShift | (x mod side)`, tiled from the frame's top-left corner.
        func ordered(_ offsets: [Int32], sizeShift: Int) {
            let mask = (1 << sizeShift) - 1
            offsets.withUnsafeBufferPointer { off in
                var lastKey: Int32 = -1
                var last: UInt32 = 0
                var i = 0, p = 0
                for y in 0..<height {
                    let row = (y & mask) << sizeShift
                    for x in 0..<width {
                        let o = off[row | (x & mask)]
                        let r = clamp(Int32(src[i]) + o), g = clamp(Int32(src[i + 1]) + o), b = clamp(Int32(src[i + 2]) + o)
                        let key = r << 16 | g << 8 | b
                        if key != lastKey { last = lookup(r, g, b); lastKey = key }
                        dst[p] = UInt8(truncatingIfNeeded: last >> 24)
                        i &+= 3; p &+= 1
                    }
                }
            }
        }

        /// What a row carries from pixel to pixel: same-row error owed to the next pixel (c1)
        /// and, for atkinson, to the one after (c2); for sierra-2-4a the share owed to the pixel
        /// below (p); and the row's last query and answer.
        struct Carry {
            var c1r: Int32 = 0, c1g: Int32 = 0, c1b: Int32 = 0
            var c2r: Int32 = 0, c2g: Int32 = 0, c2b: Int32 = 0
            var pr: Int32 = 0, pg: Int32 = 0, pb: Int32 = 0
            var lastKey: Int32 = -1
            var last: UInt32 = 0
            /// sierra-2-4a: the shares of the last answer's error, to the right (h) and below (q).
            var hr: Int32 = 0, hg: Int32 = 0, hb: Int32 = 0
            var qr: Int32 = 0, qg: Int32 = 0, qb: Int32 = 0
        }

        /// Visits the pixels of rows `y` and `y+1` (when `pair`), row y+1 two pixels behind
        /// row y: by then row y has pushed all its error into row y+1's pixel, and the two
        /// rows' dependency chains are independent, so the CPU overlaps them.
        @inline(__always)
        func rows(pair: Bool, _ step: (Int, Int, inout Carry) -> Void) {
            var s0 = Carry(), s1 = Carry()
            let w = width
            if !pair {
                for x in 0..<w { step(x, 0, &s0) }
                return
            }
            for x in 0..<min(2, w) { step(x, 0, &s0) }
            if w > 2 {
                for x in 2..<w {
                    step(x, 0, &s0)
                    step(x - 2, 1, &s1)
                }
            }
            for x in max(0, w - 2)..<w { step(x, 1, &s1) }
        }

        /// Finds the palette colour for the pixel at (x, y) given its accumulated error
        /// (whole levels), writes its index, returns the error to pass on, limited per entry.
        @inline(__always)
        func visit(_ p: Int, _ ar: Int32, _ ag: Int32, _ ab: Int32, _ s: inout Carry) -> (Int32, Int32, Int32) {
            let (r, g, b, key) = query(p, ar, ag, ab)
            if key != s.lastKey { s.last = lookup(r, g, b); s.lastKey = key }
            dst[p] = UInt8(truncatingIfNeeded: s.last >> 24)
            return limitedError(r, g, b, s.last)
        }

        /// Pixel p's colour plus its accumulated error, clamped, and the query key it makes.
        @inline(__always)
        func query(_ p: Int, _ ar: Int32, _ ag: Int32, _ ab: Int32) -> (Int32, Int32, Int32, Int32) {
            let i = 3 &* p
            let r = clamp(Int32(src[i]) &+ ar)
            let g = clamp(Int32(src[i &+ 1]) &+ ag)
            let b = clamp(Int32(src[i &+ 2]) &+ ab)
            return (r, g, b, r << 16 | g << 8 | b)
        }

        /// The error of showing candidate word `answer` for the clamped colour (r, g, b), limited
        /// per entry.
        @inline(__always)
        func limitedError(_ r: Int32, _ g: Int32, _ b: Int32, _ answer: UInt32) -> (Int32, Int32, Int32) {
            let l = limits[Int(answer >> 24)]
            return (min(max(r &- Int32((answer >> 16) & 255), 0 &- l), l),
                    min(max(g &- Int32((answer >> 8) & 255), 0 &- l), l),
                    min(max(b &- Int32(answer & 255), 0 &- l), l))
        }

        /// Floyd-Steinberg and Sierra-2-4A: error goes to the next pixel (carried in registers)
        /// and to the row below only, so three row buffers suffice, rotated two rows at a time.
        /// `spread` sets the carry and adds the shares for the row below (`nxt`, at offset `a`).
        @inline(__always)
        func diffuseOneRowDown(_ spread: (UnsafeMutablePointer<Int32>, Int, (Int32, Int32, Int32), inout Carry) -> Void) {
            let stride = (width + 3) * 3
            var buf = [Int32](repeating: 0, count: 3 * stride)
            buf.withUnsafeMutableBufferPointer { buf in
                // acc[0]: row y, acc[1]: row y+1, acc[2]: row y+2.
                var acc = (buf.baseAddress!, buf.baseAddress! + stride, buf.baseAddress! + 2 * stride)
                var y = 0
                while y < height {
                    let a0 = acc.0, a1 = acc.1, a2 = acc.2
                    rows(pair: y + 1 < height) { x, dy, s in
                        let cur = dy == 0 ? a0 : a1, nxt = dy == 0 ? a1 : a2
                        let a = (x + 1) * 3
                        let e = visit((y + dy) * width + x, cur[a] &+ s.c1r, cur[a + 1] &+ s.c1g, cur[a + 2] &+ s.c1b, &s)
                        spread(nxt, a, e, &s)
                    }
                    // Rows y+2, y+3 next: they read acc[2] and write the two spent rows.
                    a0.update(repeating: 0, count: stride)
                    a1.update(repeating: 0, count: stride)
                    acc = (a2, a0, a1)
                    y += 2
                }
            }
        }

        func floydSteinberg() {
            diffuseOneRowDown { nxt, a, e, s in
                let (er, eg, eb) = e
                s.c1r = share(er, 7, 4); s.c1g = share(eg, 7, 4); s.c1b = share(eb, 7, 4)
                nxt[a - 3] &+= share(er, 3, 4); nxt[a - 2] &+= share(eg, 3, 4); nxt[a - 1] &+= share(eb, 3, 4)
                nxt[a] &+= share(er, 5, 4); nxt[a + 1] &+= share(eg, 5, 4); nxt[a + 2] &+= share(eb, 5, 4)
                nxt[a + 3] &+= share(er, 1, 4); nxt[a + 4] &+= share(eg, 1, 4); nxt[a + 5] &+= share(eb, 1, 4)
            }
        }

        /// Sierra-2-4A, the default. As `diffuseOneRowDown` would do it, except that the row
        /// below gets its shares by plain stores: its pixel x receives from pixels x and x+1 of
        /// this row only, so its sum is complete, and stored once, when pixel x+1 is visited
        /// (`Carry.p*` holds pixel x's share meanwhile). Nothing is read back and the row
        /// buffers need no clearing; the integers are the same (DitherTests checks every
        /// diffusion against a full-frame reference).
        func sierra24a() {
            let stride = (width + 3) * 3
            var buf = [Int32](repeating: 0, count: 3 * stride)
            buf.withUnsafeMutableBufferPointer { buf in
                // acc[0]: row y, acc[1]: row y+1, acc[2]: row y+2.
                var acc = (buf.baseAddress!, buf.baseAddress! + stride, buf.baseAddress! + 2 * stride)
                let w = width
                var y = 0
                while y < height {
                    let a0 = acc.0, a1 = acc.1, a2 = acc.2
                    let p0 = y &* w, p1 = p0 &+ w
                    var s0 = Carry(), s1 = Carry()
                    // As `rows`: row y+1 two pixels behind row y, whose visit of pixel x−1
                    // stored row y+1's accumulator x−2; `sierraFlush` stores the row's last one.
                    // (Written out rather than through `rows` with an end-of-row closure: that
                    // form measured 15–35% slower in this loop.)
                    if y + 1 < height {
                        for x in 0..<min(2, w) { sierraStep(x, p0 &+ x, a0, a1, &s0) }
                        if w > 2 {
                            for x in 2..<w {
                                sierraStep(x, p0 &+ x, a0, a1, &s0)
                                sierraStep(x &- 2, p1 &+ x &- 2, a1, a2, &s1)
                            }
                        }
                        sierraFlush(a1, s0)
                        for x in max(0, w - 2)..<w { sierraStep(x, p1 &+ x, a1, a2, &s1) }
                        sierraFlush(a2, s1)
                    } else {
                        for x in 0..<w { sierraStep(x, p0 &+ x, a0, a1, &s0) }
                        sierraFlush(a1, s0)
                    }
                    // Rows y+2, y+3 next: they read acc[2] and overwrite the two spent rows.
                    acc = (a2, a0, a1)
                    y += 2
                }
            }
        }

        /// Pixel x (image pixel p) of a `sierra24a` row with accumulators `cur` over the row `nxt`.
        /// The error, and so its shares, depends only on the clamped colour, so a pixel whose
        /// colour repeats the row's last query reuses the last shares (`Carry.h*`, `Carry.q*`):
        /// on a smooth sky nine pixels in ten do, and skip the error and share arithmetic.
        @inline(__always)
        func sierraStep(_ x: Int, _ p: Int, _ cur: UnsafeMutablePointer<Int32>, _ nxt: UnsafeMutablePointer<Int32>, _ s: inout Carry) {
            let a = (x &+ 1) &* 3
            let (r, g, b, key) = query(p, cur[a] &+ s.c1r, cur[a &+ 1] &+ s.c1g, cur[a &+ 2] &+ s.c1b)
            if key != s.lastKey {
                s.last = lookup(r, g, b)
                s.lastKey = key
                let (er, eg, eb) = limitedError(r, g, b, s.last)
                s.hr = share(er, 2, 2); s.hg = share(eg, 2, 2); s.hb = share(eb, 2, 2)
                s.qr = share(er, 1, 2); s.qg = share(eg, 1, 2); s.qb = share(eb, 1, 2)
            }
            dst[p] = UInt8(truncatingIfNeeded: s.last >> 24)
            s.c1r = s.hr; s.c1g = s.hg; s.c1b = s.hb
            // Pixel x−1 below (the left padding for x = 0) is complete.
            nxt[a &- 3] = s.pr &+ s.qr; nxt[a &- 2] = s.pg &+ s.qg; nxt[a &- 1] = s.pb &+ s.qb
            s.pr = s.qr; s.pg = s.qg; s.pb = s.qb
        }

        /// Stores the share owed to the last pixel of the row below.
        @inline(__always)
        func sierraFlush(_ nxt: UnsafeMutablePointer<Int32>, _ s: Carry) {
            let a = width &* 3
            nxt[a] = s.pr; nxt[a &+ 1] = s.pg; nxt[a &+ 2] = s.pb
        }

        func atkinson() {
            let stride = (width + 3) * 3
            var buf = [Int32](repeating: 0, count: 4 * stride)
            buf.withUnsafeMutableBufferPointer { buf in
                // acc[k]: row y+k.
                let base = buf.baseAddress!
                var acc = (base, base + stride, base + 2 * stride, base + 3 * stride)
                var y = 0
                while y < height {
                    let a0 = acc.0, a1 = acc.1, a2 = acc.2, a3 = acc.3
                    rows(pair: y + 1 < height) { x, dy, s in
                        let cur = dy == 0 ? a0 : a1, n1 = dy == 0 ? a1 : a2, n2 = dy == 0 ? a2 : a3
                        let a = (x + 1) * 3
                        let (e0, e1, e2) = visit((y + dy) * width + x, cur[a] &+ s.c1r, cur[a + 1] &+ s.c1g, cur[a + 2] &+ s.c1b, &s)
                        let er = share(e0, 1, 3), eg = share(e1, 1, 3), eb = share(e2, 1, 3)
                        s.c1r = s.c2r &+ er; s.c1g = s.c2g &+ eg; s.c1b = s.c2b &+ eb
                        s.c2r = er; s.c2g = eg; s.c2b = eb
                        n1[a - 3] &+= er; n1[a - 2] &+= eg; n1[a - 1] &+= eb
                        n1[a] &+= er; n1[a + 1] &+= eg; n1[a + 2] &+= eb
                        n1[a + 3] &+= er; n1[a + 4] &+= eg; n1[a + 5] &+= eb
                        n2[a] &+= er; n2[a + 1] &+= eg; n2[a + 2] &+= eb
                    }
                    a0.update(repeating: 0, count: stride)
                    a1.update(repeating: 0, count: stride)
                    acc = (a2, a3, a0, a1)
                    y += 2
                }
            }
        }
    }
}

/// The nearest-colour query of the map loops, per colour space: returns the candidate word
/// `index << 24 | r << 16 | g << 8 | b` of the nearest palette colour.
private protocol NearestColor {
    func lookup(_ r: Int32, _ g: Int32, _ b: Int32) -> UInt32
}

/// Squared RGB distance: `PaletteMapper`'s cell search.
private struct RGBNearest: NearestColor {
    let table: UnsafePointer<UInt32>
    let cand: UnsafePointer<UInt32>
    @inline(__always)
    func lookup(_ r: Int32, _ g: Int32, _ b: Int32) -> UInt32 { PaletteMapper.lookup4(table, cand, r, g, b) }
}

/// Squared OkLab distance: `OkLabSearch`, starting from the RGB answer (a cheap first guess that
/// shortens the walk; the result is exact whatever the guess).
private struct OkLabNearest: NearestColor {
    let rgb: RGBNearest
    let lab: UnsafePointer<Int32>
    @inline(__always)
    func lookup(_ r: Int32, _ g: Int32, _ b: Int32) -> UInt32 {
        UInt32(bitPattern: OkLabSearch.lookup(lab, r, g, b, hint: Int(rgb.lookup(r, g, b) >> 24)))
    }
}
