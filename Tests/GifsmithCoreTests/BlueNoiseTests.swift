import XCTest
import GifsmithCore

/// The blue-noise matrix (BlueNoise) and the `blue-noise` dither (DitherKernel).
final class BlueNoiseTests: XCTestCase {
    private let matrix = BlueNoise.matrix

    /// Squared wrapped distance between cells a and b of the 64×64 torus.
    private func distance2(_ a: Int, _ b: Int) -> Int {
        let dx = abs((a & 63) - (b & 63)), dy = abs((a >> 6) - (b >> 6))
        let ex = min(dx, 64 - dx), ey = min(dy, 64 - dy)
        return ex * ex + ey * ey
    }

    /// The variance, over every position of the torus, of the sum of `values` in a b×b box.
    /// Low-frequency structure (clumps, gaps) makes box sums vary; blue noise keeps them even.
    private func boxSumVariance(_ values: [Int32], _ b: Int) -> Double {
        var sums = [Double]()
        for y in 0..<64 {
            for x in 0..<64 {
                var s = 0.0
                for dy in 0..<b { for dx in 0..<b { s += Double(values[((y + dy) & 63) << 6 | ((x + dx) & 63)]) } }
                sums.append(s)
            }
        }
        let mean = sums.reduce(0, +) / Double(sums.count)
        return sums.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sums.count)
    }

    // MARK: the matrix

    func testMatrixIsAPermutation() {
        XCTAssertEqual(matrix.count, 4096)
        XCTAssertEqual(Set(matrix), Set(0..<4096))
    }

    /// Integer arithmetic only, so every platform makes these exact ranks. A change here changes
    /// every blue-noise GIF: do it on purpose or not at all.
    func testMatrixIsPinned() {
        XCTAssertEqual(SHA256.hex(matrix.flatMap { [UInt8($0 >> 8), UInt8($0 & 255)] }),
                       "8508f89d5c00aec377d6414bd8cddafb56bf5646f9f4e553eff787427b1ede77")
    }

    /// Box sums of 2×2 … 16×16 cells vary far less than those of the same ranks shuffled (white
    /// noise): the matrix has little energy at low frequencies. Measured ratios: 0.28, 0.17,
    /// 0.065, 0.034 for sides 2, 4, 8, 16; white noise is about 1.
    func testLowFrequencyEnergyIsFarBelowWhiteNoise() {
        var rng = PaletteRNG(31)
        var shuffled = matrix
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, rng.int(0...i)) }
        for (side, limit) in [(2, 0.4), (4, 0.25), (8, 0.12), (16, 0.08)] {
            let ratio = boxSumVariance(matrix, side) / boxSumVariance(shuffled, side)
            XCTAssertLessThan(ratio, limit, "box \(side)×\(side)")
        }
    }

    /// Every threshold level is itself an evenly spread dot pattern, for light and dark tones
    /// alike: the k lowest ranks (and the k highest) keep apart. Measured minimum squared distances:
    /// 116 and 113 for 16 cells (ideal spacing 16), 32 and 29 for 64 (spacing 8), 8 and 8 for 256
    /// (spacing 4). White noise puts two of 64 cells side by side.
    func testThresholdPatternsAreEvenlySpread() {
        for (count, least) in [(16, 100), (64, 25), (256, 8)] {
            for dark in [true, false] {
                let cells = (0..<4096).filter { dark ? matrix[$0] < count : matrix[$0] >= 4096 - count }
                var nearest = Int.max
                for (i, a) in cells.enumerated() { for b in cells[(i + 1)...] { nearest = min(nearest, distance2(a, b)) } }
                XCTAssertGreaterThanOrEqual(nearest, least, "\(count) \(dark ? "lowest" : "highest") ranks")
            }
        }
    }

    func testOffsets() {
        for s in 0...5 {
            let a = Int32(32 >> s)
            let off = BlueNoise.offsets(scale: s)
            // Bayer's range, every value equally often.
            var counts = [Int32: Int]()
            for o in off { counts[o, default: 0] += 1 }
            XCTAssertEqual(Set(counts.keys), Set(-a..<a), "s=\(s)")
            XCTAssertTrue(counts.values.allSatisfy { $0 == 4096 / Int(2 * a) }, "s=\(s)")
            // Offsets rise with the rank.
            for p in 0..<4096 { XCTAssertEqual(off[p], Int32(Int(matrix[p]) * Int(2 * a) / 4096) - a) }
        }
        XCTAssertEqual(BlueNoise.offsets(scale: 9), BlueNoise.offsets(scale: 5))
        XCTAssertEqual(BlueNoise.offsets(scale: -1), BlueNoise.offsets(scale: 0))
    }

    // MARK: the dither

    private func flat(_ w: Int, _ h: Int, _ v: UInt8) -> RGBImage {
        RGBImage(width: w, height: h, pixels: [UInt8](repeating: v, count: w * h * 3))
    }

    /// A flat grey between two entries 2A apart (A = 8 at scale 2) mixes them in proportion to
    /// where it lies. Offsets run −8 … 7 and a tie goes to the lower index (the darker entry
    /// here), so grey v picks the lighter entry on v − 97 of 16 offsets: within 1/16 of the
    /// ideal (v − 96)/16. The lighter pixels are spread evenly: every 8×8 window of the tile
    /// (wrapped) holds close to its share: off by at most 5 here, where the same ranks shuffled
    /// (white noise) stray by 9 to 13.
    func testFlatGreyMixesTwoEntriesInProportion() {
        let m = PaletteMapper(palette: Palette([RGB8(96, 96, 96), RGB8(112, 112, 112)]))
        for v in 96...112 {
            let tile = DitherKernel.map(flat(64, 64, UInt8(v)), mapper: m, dither: Dither(.blueNoise, bayerScale: 2)).indices
            let light = tile.reduce(0) { $0 + Int($1) }
            XCTAssertEqual(light, max(0, v - 97) * 256, "grey \(v)")
            XCTAssertEqual(Double(light) / 4096, Double(v - 96) / 16, accuracy: 1.0 / 16 + 1e-9, "grey \(v)")
            // A frame that is not a whole number of tiles comes out close too.
            let frame = DitherKernel.map(flat(150, 37, UInt8(v)), mapper: m, dither: Dither(.blueNoise, bayerScale: 2)).indices
            XCTAssertEqual(Double(frame.reduce(0) { $0 + Int($1) }) / Double(frame.count), Double(max(0, v - 97)) / 16, accuracy: 0.01, "grey \(v)")
            var worst = 0
            for wy in 0..<64 {
                for wx in 0..<64 {
                    var n = 0
                    for dy in 0..<8 { for dx in 0..<8 { n += Int(tile[((wy + dy) & 63) << 6 | ((wx + dx) & 63)]) } }
                    worst = max(worst, abs(n * 4096 - 64 * light))
                }
            }
            XCTAssertLessThanOrEqual(Double(worst) / 4096, 6, "grey \(v): an 8×8 window strays from its share by \(Double(worst) / 4096)")
        }
    }

    /// Per pixel exactly the nearest colour to the clamped, offset colour (extremes included).
    func testBlueNoiseIsBruteForceOfTheClampedOffsetColour() {
        assertOrderedDitherIsBruteForce(.blueNoise, scales: [0, 2, 5], width: 71, height: 67, seed: 32,
                                        sizeShift: BlueNoise.sizeShift, offsets: BlueNoise.offsets(scale:))
    }

    /// The pattern is fixed in screen space: a static frame maps to the same indices whatever
    /// came before it, and a crop at a multiple of 64 maps like that part of the whole frame.
    func testPatternIsFixedInScreenSpace() {
        var rng = PaletteRNG(33)
        let m = PaletteMapper(palette: Palette((0..<40).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) }))
        func frame(_ w: Int, _ h: Int) -> RGBImage {
            var px = [UInt8]()
            for y in 0..<h { for x in 0..<w { px += [UInt8(x * 255 / w), UInt8(y * 255 / h), UInt8(truncatingIfNeeded: x ^ y)] } }
            return RGBImage(width: w, height: h, pixels: px)
        }
        let still = frame(150, 140), dither = Dither(.blueNoise)
        let first = DitherKernel.map(still, mapper: m, dither: dither)
        for i in 0..<3 {
            _ = DitherKernel.map(frame(97 + i, 61), mapper: m, dither: dither)
            XCTAssertEqual(DitherKernel.map(still, mapper: m, dither: dither), first, "frame \(i + 1)")
        }
        var px = [UInt8](), want = [UInt8]()
        for y in 64..<140 {
            px += still.pixels[((y * 150 + 64) * 3)..<((y * 150 + 150) * 3)]
            want += first.indices[(y * 150 + 64)..<(y * 150 + 150)]
        }
        XCTAssertEqual(DitherKernel.map(RGBImage(width: 86, height: 76, pixels: px), mapper: m, dither: dither).indices, want)
        // The pattern does something: it differs from no dither on this gradient.
        XCTAssertNotEqual(first, DitherKernel.map(still, mapper: m, dither: Dither(.none)))
    }
}
