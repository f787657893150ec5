import XCTest
import GifsmithCore

final class DitherTests: XCTestCase {
    private let blackWhite = PaletteMapper(palette: Palette([RGB8(0, 0, 0), RGB8(255, 255, 255)]))

    private func grey(_ w: Int, _ h: Int, _ v: UInt8) -> RGBImage {
        RGBImage(width: w, height: h, pixels: [UInt8](repeating: v, count: w * h * 3))
    }

    private func randomImage(_ w: Int, _ h: Int, _ rng: inout PaletteRNG) -> RGBImage {
        // Smooth ramps plus noise: like video, with runs of repeated colours too.
        var px = [UInt8]()
        for y in 0..<h {
            for x in 0..<w {
                let n = Int(rng.next() % 24)
                px += [UInt8(min(255, x * 255 / max(w - 1, 1) + n / 2)), UInt8(min(255, y * 255 / max(h - 1, 1) + n % 5)),
                       x % 7 < 3 ? 40 : UInt8(truncatingIfNeeded: rng.next())]
            }
        }
        return RGBImage(width: w, height: h, pixels: px)
    }

    private func crop(_ im: RGBImage, x: Int, y: Int, w: Int, h: Int) -> RGBImage {
        var px = [UInt8]()
        for row in y..<(y + h) { px += im.pixels[((row * im.width + x) * 3)..<((row * im.width + x + w) * 3)] }
        return RGBImage(width: w, height: h, pixels: px)
    }

    private func crop(_ im: IndexedImage, x: Int, y: Int, w: Int, h: Int) -> IndexedImage {
        var px = [UInt8]()
        for row in y..<(y + h) { px += im.indices[(row * im.width + x)..<(row * im.width + x + w)] }
        return IndexedImage(width: w, height: h, indices: px)
    }

    // MARK: hand-checked 2x2 mid-grey (128) with palette [black, white]

    func testNoneHandChecked() {
        // 128 is 128 from black and 127 from white: white everywhere. 127 is the other way.
        XCTAssertEqual(DitherKernel.map(grey(2, 2, 128), mapper: blackWhite, dither: Dither(.none)).indices, [1, 1, 1, 1])
        XCTAssertEqual(DitherKernel.map(grey(2, 2, 127), mapper: blackWhite, dither: Dither(.none)).indices, [0, 0, 0, 0])
        // A tie (127 between 0 and 254) goes to index 0 whichever colour it holds.
        let a = PaletteMapper(palette: Palette([RGB8(0, 0, 0), RGB8(254, 254, 254)]))
        let b = PaletteMapper(palette: Palette([RGB8(254, 254, 254), RGB8(0, 0, 0)]))
        XCTAssertEqual(DitherKernel.map(grey(1, 1, 127), mapper: a, dither: Dither(.none)).indices, [0])
        XCTAssertEqual(DitherKernel.map(grey(1, 1, 127), mapper: b, dither: Dither(.none)).indices, [0])
    }

    func testBayerMatrixAndOffsets() {
        // FFmpeg's table: first row is the standard Bayer matrix's first column.
        XCTAssertEqual(Array(DitherKernel.bayerMatrix[0..<8]), [0, 48, 12, 60, 3, 51, 15, 63])
        XCTAssertEqual(Array(DitherKernel.bayerMatrix[8..<10]), [32, 16])
        XCTAssertEqual(Set(DitherKernel.bayerMatrix), Set(0..<64))
        // The floor formula equals FFmpeg's (M >> s) − (32 >> s) for every M and scale.
        for s in 0...5 {
            let off = DitherKernel.bayerOffsets(scale: s)
            for p in 0..<64 { XCTAssertEqual(off[p], (DitherKernel.bayerMatrix[p] >> Int32(s)) - (32 >> Int32(s)), "s=\(s) p=\(p)") }
        }
        XCTAssertEqual(DitherKernel.bayerOffsets(scale: 9), DitherKernel.bayerOffsets(scale: 5))
    }

    func testBayerHandChecked() {
        // Scale 2 (amplitude 8). M for (x,y) = (0,0) (1,0) (0,1) (1,1) is 0, 48, 32, 16:
        // offsets ((2M−63)·8) >> 6 = ⌊−504/64⌋ = −8, ⌊264/64⌋ = 4, ⌊8/64⌋ = 0, ⌊−248/64⌋ = −4.
        // 128 + offset = 120, 132, 128, 124 → black, white, white, black.
        XCTAssertEqual(DitherKernel.map(grey(2, 2, 128), mapper: blackWhite, dither: Dither(.bayer, bayerScale: 2)).indices, [0, 1, 1, 0])
        // Scale 0 (offsets M − 32 = −32, 16, 0, −16): 150 + those = 118, 166, 150, 134
        // → black, white, white, white.
        XCTAssertEqual(DitherKernel.map(grey(2, 2, 150), mapper: blackWhite, dither: Dither(.bayer, bayerScale: 0)).indices, [0, 1, 1, 1])
    }

    func testBayerIsBruteForceOfTheClampedOffsetColour() {
        // Extremes included, so clamping matters: (250, 3, 128) at offset +31 is (255, 34, 159).
        assertOrderedDitherIsBruteForce(.bayer, scales: Array(0...5), width: 19, height: 13, seed: 24, sizeShift: 3,
                                        offsets: DitherKernel.bayerOffsets(scale:))
    }

    func testFloydSteinbergHandChecked() {
        // (0,0): v=128 → white, err −127: (1,0) −889, (0,1) −635, (1,1) −127.
        // (1,0): (−889+8)>>4 = −56 → v=72 → black, err 72: (0,1) +216 → −419, (1,1) +360 → 233.
        // (0,1): (−419+8)>>4 = −26 → v=102 → black, err 102: (1,1) +714 → 947.
        // (1,1): (947+8)>>4 = 59 → v=187 → white.
        XCTAssertEqual(DitherKernel.map(grey(2, 2, 128), mapper: blackWhite, dither: Dither(.floydSteinberg)).indices, [1, 0, 0, 1])
    }

    func testSierraHandChecked() {
        // (0,0): 128 → white, err −127: (1,0) −254, (0,1) −127.
        // (1,0): (−254+2)>>2 = −63 → 65 → black, err 65: (0,1) +65 → −62, (1,1) +65.
        // (0,1): (−62+2)>>2 = −15 → 113 → black, err 113: (1,1) +226 → 291.
        // (1,1): (291+2)>>2 = 73 → 201 → white.
        XCTAssertEqual(DitherKernel.map(grey(2, 2, 128), mapper: blackWhite, dither: Dither(.sierra24a)).indices, [1, 0, 0, 1])
    }

    func testAtkinsonHandChecked() {
        // (0,0): 128 → white, err −127 to (1,0), (0,1), (1,1) (the rest fall outside).
        // (1,0): (−127+4)>>3 = −16 → 112 → black, err 112 to (0,1) → −15, (1,1) → −15.
        // (0,1): (−15+4)>>3 = −2 → 126 → black (126² < 129²), err 126 to (1,1) → 111.
        // (1,1): (111+4)>>3 = 14 → 142 → white.
        XCTAssertEqual(DitherKernel.map(grey(2, 2, 128), mapper: blackWhite, dither: Dither(.atkinson)).indices, [1, 0, 0, 1])
        // 3x3 at 64 exercises (x+2,y) and (x,y+2):
        // row 0: x0: 64 → black, err 64 → (1,0),(2,0),(0,1),(1,1) +64.
        //        x1: (64+4)>>3 = 8 → 72 → black, err 72 → (2,0) 136, (0,1) 136, (1,1) 136, (2,1) 72, (1,2) 72.
        //        x2: (136+4)>>3 = 17 → 81 → black, err 81 → (1,1) 217, (2,1) 153, (2,2) 81.
        // row 1: x0: (136+4)>>3 = 17 → 81 → black, err 81 → (1,1) 298, (2,1) 234, (0,2) 81, (1,2) 153, (0,3) —.
        //        x1: (298+4)>>3 = 37 → 101 → black, err 101 → (2,1) 335, (0,2) 182, (1,2) 254, (2,2) 182.
        //        x2: (335+4)>>3 = 42 → 106 → black, err 106 → (1,2) 360, (2,2) 288.
        // row 2: x0: (182+4)>>3 = 23 → 87 → black, err 87 → (1,2) 447, (2,2) 375.
        //        x1: (447+4)>>3 = 56 → 120 → black, err 120 → (2,2) 495.
        //        x2: (495+4)>>3 = 62 → 126 → black.
        XCTAssertEqual(DitherKernel.map(grey(3, 3, 64), mapper: blackWhite, dither: Dither(.atkinson)).indices, [UInt8](repeating: 0, count: 9))
        // A 1x3 column at 64 with levels [0, 128, 255]:
        // (0,0): 64 is 64 from 0 and from 128: the tie goes to index 0; err 64 → (0,1) 64, (0,2) 64.
        // (0,1): (64+4)>>3 = 8 → 72 → 128, err −56 → (0,2) 8 (its (x,y+2) lies outside).
        // (0,2): (8+4)>>3 = 1 → 65 → 128 (63 < 65).
        let three = PaletteMapper(palette: Palette([RGB8(0, 0, 0), RGB8(128, 128, 128), RGB8(255, 255, 255)]))
        XCTAssertEqual(DitherKernel.map(grey(1, 3, 64), mapper: three, dither: Dither(.atkinson)).indices, [0, 1, 1])
    }

    // MARK: properties

    func testNoneAndBayerArePerPixel() {
        var rng = PaletteRNG(20)
        let im = randomImage(37, 29, &rng)
        let m = PaletteMapper(palette: Palette((0..<19).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) }))
        let full = DitherKernel.map(im, mapper: m, dither: Dither(.none))
        XCTAssertEqual(DitherKernel.map(crop(im, x: 5, y: 3, w: 20, h: 11), mapper: m, dither: Dither(.none)), crop(full, x: 5, y: 3, w: 20, h: 11))
        for s in 0...5 {
            let full = DitherKernel.map(im, mapper: m, dither: Dither(.bayer, bayerScale: s))
            // Offsets that are multiples of 8 keep the Bayer phase.
            XCTAssertEqual(DitherKernel.map(crop(im, x: 8, y: 16, w: 21, h: 9), mapper: m, dither: Dither(.bayer, bayerScale: s)),
                           crop(full, x: 8, y: 16, w: 21, h: 9))
        }
        // none is exactly brute force per pixel.
        for p in 0..<(im.width * im.height) {
            XCTAssertEqual(Int(full.indices[p]), PaletteMapper.bruteForceNearest(m.palette, Int32(im.pixels[3 * p]), Int32(im.pixels[3 * p + 1]), Int32(im.pixels[3 * p + 2])))
        }
    }

    func testErrorDiffusionKeepsTheMeanOfFlatGrey() {
        for method in [DitherMethod.floydSteinberg, .sierra24a, .atkinson] {
            // Atkinson drops a quarter of the error, so tones beyond about 3/8 of the way to
            // either end saturate (a flat 30 settles at 30 + 6/8·90 < 127.5: all black): test it
            // on mid tones only, with more slack.
            let greys: [UInt8] = method == .atkinson ? [100, 128, 155] : [30, 100, 128, 200]
            for v in greys {
                let out = DitherKernel.map(grey(64, 64, v), mapper: blackWhite, dither: Dither(method))
                let mean = Double(out.indices.reduce(0) { $0 + Int($1) }) * 255 / 4096
                // Shares are truncated toward zero (DitherKernel), which loses up to a level per share:
                // dark tones come out slightly darker with a 2-colour palette (30 → 27.2 with FS).
                XCTAssertEqual(mean, Double(v), accuracy: method == .atkinson ? 12 : (v < 64 ? 3.5 : 2), "\(method) \(v)")
                XCTAssertTrue(out.indices.contains(0) && out.indices.contains(1), "\(method) \(v) mixes both colours")
            }
        }
    }

    func testPaletteImagesMapExactlyWithEveryMethod() {
        // When every pixel is a palette colour, no error arises: every method equals none.
        var rng = PaletteRNG(21)
        let p = Palette((0..<9).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) })
        let m = PaletteMapper(palette: p)
        let idx = (0..<(13 * 7)).map { _ in rng.int(0...8) }
        let im = RGBImage(width: 13, height: 7, pixels: idx.flatMap { [p.colors[$0].r, p.colors[$0].g, p.colors[$0].b] })
        let want = idx.map { m.nearest(Int32(p.colors[$0].r), Int32(p.colors[$0].g), Int32(p.colors[$0].b)) }
        for method in [DitherMethod.none, .floydSteinberg, .sierra24a, .atkinson] {
            XCTAssertEqual(DitherKernel.map(im, mapper: m, dither: Dither(method)).indices.map(Int.init), want, "\(method)")
        }
    }

    /// An independent reference for error diffusion: a full frame of accumulators, explicit
    /// bounds checks, brute-force nearest colour, Swift's truncating `/` for the shares, and the
    /// error limit (half the distance to the nearest other colour, rounded up) from Double.
    private func reference(_ im: RGBImage, _ p: Palette, _ method: DitherMethod) -> [UInt8] {
        let (taps, d): ([(Int, Int, Int32)], Int32) = switch method {
        case .floydSteinberg: ([(1, 0, 7), (-1, 1, 3), (0, 1, 5), (1, 1, 1)], 16)
        case .sierra24a: ([(1, 0, 2), (-1, 1, 1), (0, 1, 1)], 4)
        default: ([(1, 0, 1), (2, 0, 1), (-1, 1, 1), (0, 1, 1), (1, 1, 1), (0, 2, 1)], 8)
        }
        let limits: [Int32] = p.colors.map { c in
            let gaps = p.colors.filter { $0 != c }.map { o -> Double in
                let dr = Double(Int(c.r) - Int(o.r)), dg = Double(Int(c.g) - Int(o.g)), db = Double(Int(c.b) - Int(o.b))
                return (dr * dr + dg * dg + db * db).squareRoot()
            }
            guard let gap = gaps.min() else { return 255 }
            return Int32(max(1, (Int(gap.rounded(.down)) + 1) / 2))
        }
        var acc = [Int32](repeating: 0, count: im.width * im.height * 3)
        var out = [UInt8]()
        for y in 0..<im.height {
            for x in 0..<im.width {
                let i = y * im.width + x
                var v = [Int32](repeating: 0, count: 3)
                for c in 0..<3 { v[c] = min(max(Int32(im.pixels[3 * i + c]) + acc[3 * i + c], 0), 255) }
                let k = PaletteMapper.bruteForceNearest(p, v[0], v[1], v[2])
                out.append(UInt8(k))
                let l = limits[k]
                let e = [v[0] - Int32(p.colors[k].r), v[1] - Int32(p.colors[k].g), v[2] - Int32(p.colors[k].b)].map { min(max($0, -l), l) }
                for (dx, dy, w) in taps {
                    let nx = x + dx, ny = y + dy
                    guard nx >= 0, nx < im.width, ny < im.height else { continue }
                    for c in 0..<3 { acc[3 * (ny * im.width + nx) + c] += e[c] * w / d }
                }
            }
        }
        return out
    }

    func testErrorDiffusionMatchesFullFrameReference() {
        var rng = PaletteRNG(22)
        for (w, h, n) in [(1, 1, 2), (1, 9, 3), (9, 1, 5), (23, 17, 16), (40, 31, 256)] {
            let im = randomImage(w, h, &rng)
            let p = Palette((0..<n).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) })
            let m = PaletteMapper(palette: p)
            for method in [DitherMethod.floydSteinberg, .sierra24a, .atkinson] {
                let got = DitherKernel.map(im, mapper: m, dither: Dither(method)).indices, want = reference(im, p, method)
                let first = got.indices.first { got[$0] != want[$0] }
                XCTAssertEqual(got.count, want.count)
                XCTAssertNil(first, "\(method) \(w)x\(h): first difference at pixel \(first ?? 0)")
            }
        }
    }

    func testIndicesStayBelowPaletteCount() {
        var rng = PaletteRNG(23)
        let im = randomImage(31, 19, &rng)
        for n in [1, 2, 3, 100] {
            let m = PaletteMapper(palette: Palette((0..<n).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) }))
            for d in [Dither(.none), Dither(.bayer, bayerScale: 0), Dither(.bayer, bayerScale: 5), Dither(.blueNoise, bayerScale: 0),
                      Dither(.floydSteinberg), Dither(.sierra24a), Dither(.atkinson)] {
                let out = DitherKernel.map(im, mapper: m, dither: d)
                XCTAssertEqual(out.width, 31)
                XCTAssertEqual(out.height, 19)
                XCTAssertTrue(out.indices.allSatisfy { Int($0) < n }, "\(d) n=\(n)")
                if n == 1 { XCTAssertTrue(out.indices.allSatisfy { $0 == 0 }) }
            }
        }
        XCTAssertEqual(DitherKernel.map(RGBImage(width: 0, height: 5), mapper: blackWhite, dither: Dither(.atkinson)).indices, [])
    }
}

/// Timings of the histogram, palette and map stages, single thread. Skipped unless
/// GIFSMITH_BENCH is set; run in release:
/// `GIFSMITH_BENCH=1 swift test -c release --filter PaletteStageSpeed` (GIFSMITH_BENCH may also be
/// a comma-separated list of binary PPM files to time on instead of synthetic frames).
final class PaletteStageSpeed: XCTestCase {
    private func ppm(_ path: String) -> RGBImage? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        var fields = [Int](), i = 2
        while fields.count < 3 {
            while bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
            var v = 0
            while bytes[i] >= 0x30 && bytes[i] <= 0x39 { v = v * 10 + Int(bytes[i] - 0x30); i += 1 }
            fields.append(v)
        }
        i += 1
        return RGBImage(width: fields[0], height: fields[1], pixels: Array(bytes[i..<(i + fields[0] * fields[1] * 3)]))
    }

    private func synthetic(_ w: Int, _ h: Int) -> RGBImage {
        var rng = PaletteRNG(99)
        var px = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let n = Int(rng.next() % 9)
                let i = 3 * (y * w + x)
                px[i] = UInt8(min(255, (x * 255) / w + n))
                px[i + 1] = UInt8(min(255, (y * 255) / h + n))
                px[i + 2] = UInt8(((x / 40 + y / 40) & 1) * 120 + (x * y) % 100)
            }
        }
        return RGBImage(width: w, height: h, pixels: px)
    }

    /// The fastest of `runs` runs, in milliseconds of this thread's CPU time (the machine may
    /// be shared: CPU time and the minimum are the least disturbed measures).
    private func ms(_ runs: Int, _ body: () -> Void) -> Double {
        func now() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
        }
        var best = Double.infinity
        for _ in 0...runs {
            let start = now()
            body()
            best = min(best, now() - start)
        }
        return best
    }

    func testStageSpeed() throws {
        guard let spec = ProcessInfo.processInfo.environment["GIFSMITH_BENCH"] else { throw XCTSkip("set GIFSMITH_BENCH to time the stages") }
        let images = spec == "1" ? [synthetic(480, 270), synthetic(1920, 1080)] : spec.split(separator: ",").compactMap { ppm(String($0)) }
        for im in images {
            var h = ColorHistogram()
            let tClear = ms(20) { h.clear() }
            let tAdd = ms(20) { h.clear(); h.add(im) } - tClear
            h.add(im)
            var palette = Palette([RGB8(0, 0, 0)])
            let tCut = ms(5) { palette = try! MedianCut.palette(from: h, maxColors: 256) }
            var mapper = PaletteMapper(palette: palette)
            let tBuild = ms(20) { mapper = PaletteMapper(palette: palette) }
            let runs = im.width * im.height > 1_000_000 ? 5 : 20
            var line = "\(im.width)x\(im.height) \(palette.count) colours, \(mapper.candidates.count) candidates: "
                + String(format: "hist add %.3f ms (clear %.3f), median cut %.2f ms, mapper build %.3f ms", tAdd, tClear, tCut, tBuild)
            for d in [Dither(.none), Dither(.bayer), Dither(.blueNoise), Dither(.floydSteinberg), Dither(.sierra24a), Dither(.atkinson)] {
                line += String(format: ", %@ %.2f ms", d.method.rawValue, ms(runs) { _ = DitherKernel.map(im, mapper: mapper, dither: d) })
            }
            print(line)
        }
        var rng = PaletteRNG(98)
        let uniform = Palette((0..<256).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) })
        let greys = Palette((0..<256).map { RGB8(UInt8($0), UInt8($0), UInt8($0)) })
        print(String(format: "mapper build: 256 random colours %.3f ms, 256 greys %.3f ms",
                     ms(20) { _ = PaletteMapper(palette: uniform) }, ms(20) { _ = PaletteMapper(palette: greys) }))
        var full = ColorHistogram()
        var every = [UInt8]()
        for bin in 0..<ColorHistogram.binCount {
            every += [UInt8((bin >> 12) << 2), UInt8(((bin >> 6) & 63) << 2), UInt8((bin & 63) << 2)]
        }
        full.add(RGBImage(width: ColorHistogram.binCount, height: 1, pixels: every))
        print(String(format: "median cut of a histogram with all %d bins filled: %.2f ms", ColorHistogram.binCount, ms(3) { _ = try! MedianCut.palette(from: full, maxColors: 256) }))
    }
}

/// Ordered dithers, per pixel: exactly the nearest colour to the pixel plus its pattern offset
/// (tiled from the top-left, side 2^sizeShift), clamped; random colours with extremes mixed in.
func assertOrderedDitherIsBruteForce(_ method: DitherMethod, scales: [Int], width w: Int, height h: Int, seed: UInt64,
                                     sizeShift: Int, offsets: (Int) -> [Int32], file: StaticString = #filePath, line: UInt = #line) {
    var rng = PaletteRNG(seed)
    let m = PaletteMapper(palette: Palette((0..<23).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) }))
    let px = (0..<(w * h * 3)).map { _ -> UInt8 in [0, 3, 128, 250, 255, rng.byte()][rng.int(0...5)] }
    let im = RGBImage(width: w, height: h, pixels: px)
    let mask = (1 << sizeShift) - 1
    for s in scales {
        let off = offsets(s)
        let out = DitherKernel.map(im, mapper: m, dither: Dither(method, bayerScale: s))
        for y in 0..<h {
            for x in 0..<w {
                let p = y * w + x, o = off[(y & mask) << sizeShift | (x & mask)]
                let c = (0..<3).map { min(max(Int32(px[3 * p + $0]) + o, 0), 255) }
                XCTAssertEqual(Int(out.indices[p]), PaletteMapper.bruteForceNearest(m.palette, c[0], c[1], c[2]),
                               "\(method) s=\(s) (\(x),\(y))", file: file, line: line)
            }
        }
    }
}
