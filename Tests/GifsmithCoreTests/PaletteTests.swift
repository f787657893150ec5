import XCTest
import GifsmithCore

/// A small deterministic generator for test data (SplitMix64).
struct PaletteRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}

func rgbImage(_ width: Int, _ height: Int, _ colors: [RGB8]) -> RGBImage {
    precondition(colors.count == width * height)
    return RGBImage(width: width, height: height, pixels: colors.flatMap { [$0.r, $0.g, $0.b] })
}

func histogramOf(_ colors: [RGB8]) -> ColorHistogram {
    var h = ColorHistogram()
    h.add(rgbImage(colors.count, 1, colors))
    return h
}

final class PaletteTests: XCTestCase {
    // MARK: histogram

    func testHistogramCountsAndSums() {
        var h = ColorHistogram()
        // (0,0,0) and (3,2,1) share bin 0; (4,0,0) is bin 1<<12; white is the last bin.
        h.add(rgbImage(2, 2, [RGB8(0, 0, 0), RGB8(3, 2, 1), RGB8(4, 0, 0), RGB8(255, 255, 255)]))
        h.add(rgbImage(1, 1, [RGB8(3, 2, 1)]))
        XCTAssertEqual(h.counts[0], 3)
        XCTAssertEqual(Array(h.sums[0..<3]), [6, 4, 2])
        XCTAssertEqual(h.counts[1 << 12], 1)
        XCTAssertEqual(Array(h.sums[3 << 12 ..< (3 << 12) + 3]), [4, 0, 0])
        let white = (1 << 18) - 1
        XCTAssertEqual(h.counts[white], 1)
        XCTAssertEqual(Array(h.sums[3 * white ..< 3 * white + 3]), [255, 255, 255])
        XCTAssertEqual(h.counts.filter { $0 != 0 }.count, 3)
        XCTAssertEqual(h.sums.reduce(0, +), 6 + 4 + 2 + 4 + 765)
        XCTAssertEqual(h.totalPixels, 5)
        XCTAssertEqual(ColorHistogram.bin(255, 0, 0), 63 << 12)
        XCTAssertEqual(ColorHistogram.bin(0, 7, 0), 1 << 6)
        XCTAssertEqual(ColorHistogram.bin(0, 0, 254), 63)
    }

    func testHistogramMatchesNaiveCountOnRandomImage() {
        var rng = PaletteRNG(1)
        let px = (0..<(37 * 23)).map { _ in RGB8(rng.byte(), rng.byte() & 0x1F, rng.byte() | 0xC0) }
        var h = ColorHistogram()
        h.add(rgbImage(37, 23, px))
        var counts = [Int: UInt64](), sums = [Int: [UInt64]]()
        for p in px {
            let bin = Int(p.r / 4) * 4096 + Int(p.g / 4) * 64 + Int(p.b / 4)
            counts[bin, default: 0] += 1
            sums[bin, default: [0, 0, 0]][0] += UInt64(p.r)
            sums[bin, default: [0, 0, 0]][1] += UInt64(p.g)
            sums[bin, default: [0, 0, 0]][2] += UInt64(p.b)
        }
        for bin in 0..<ColorHistogram.binCount {
            XCTAssertEqual(h.counts[bin], counts[bin] ?? 0)
            XCTAssertEqual(Array(h.sums[3 * bin ..< 3 * bin + 3]), sums[bin] ?? [0, 0, 0])
        }
    }

    func testMergeAndClear() {
        var rng = PaletteRNG(2)
        let a = (0..<100).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) }
        let b = (0..<60).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) }
        var both = histogramOf(a)
        both.add(rgbImage(60, 1, b))
        var merged = histogramOf(b)
        merged.merge(histogramOf(a))
        XCTAssertEqual(merged, both)
        XCTAssertEqual(merged.totalPixels, 160)
        merged.clear()
        XCTAssertEqual(merged, ColorHistogram())
        XCTAssertEqual(merged.totalPixels, 0)
    }

    // MARK: median cut

    func testRejectsBadSizesAndEmptyHistograms() {
        let h = histogramOf([RGB8(1, 2, 3)])
        XCTAssertThrowsError(try MedianCut.palette(from: h, maxColors: 1))
        XCTAssertThrowsError(try MedianCut.palette(from: h, maxColors: 257))
        XCTAssertThrowsError(try MedianCut.palette(from: ColorHistogram(), maxColors: 256)) { error in
            guard case CoreError.invalidOption = error else { return XCTFail("\(error)") }
        }
    }

    func testOneColour() throws {
        let h = histogramOf(Array(repeating: RGB8(17, 200, 3), count: 50))
        XCTAssertEqual(try MedianCut.palette(from: h, maxColors: 256).colors, [RGB8(17, 200, 3)])
        XCTAssertEqual(try MedianCut.palette(from: h, maxColors: 2).colors, [RGB8(17, 200, 3)])
    }

    func testTwoColoursSortedByLuma() throws {
        // Luma keys: (250,0,0) → 74750; (0,0,255) → 29070; blue first.
        let h = histogramOf([RGB8(250, 0, 0), RGB8(0, 0, 255), RGB8(250, 0, 0)])
        XCTAssertEqual(try MedianCut.palette(from: h, maxColors: 2).colors, [RGB8(0, 0, 255), RGB8(250, 0, 0)])
    }

    func testColoursInDistinctBinsComeBackExactly() throws {
        var rng = PaletteRNG(3)
        for k in [2, 3, 17, 100, 256] {
            var colors = Set<RGB8>(), bins = Set<Int>()
            while colors.count < k {
                let c = RGB8(rng.byte(), rng.byte(), rng.byte())
                if bins.insert(ColorHistogram.bin(c.r, c.g, c.b)).inserted { colors.insert(c) }
            }
            var px = [RGB8]()
            for c in colors { px += Array(repeating: c, count: rng.int(1...5)) }
            let p = try MedianCut.palette(from: histogramOf(px), maxColors: max(k, 2))
            XCTAssertEqual(Set(p.colors), colors, "k=\(k)")
            XCTAssertEqual(p.count, k)
            XCTAssertEqual(p.colors, p.colors.sorted(by: MedianCut.lumaOrder))
        }
    }

    func testFewerDistinctColoursThanAsked() throws {
        let h = histogramOf([RGB8(0, 0, 0), RGB8(128, 128, 128), RGB8(255, 255, 255), RGB8(128, 128, 128)])
        XCTAssertEqual(try MedianCut.palette(from: h, maxColors: 256).colors,
                       [RGB8(0, 0, 0), RGB8(128, 128, 128), RGB8(255, 255, 255)])
    }

    func testObviousClusters() throws {
        // Four clusters, each a colour with ±1…±3 symmetric jitter so its mean is the centre.
        // Equal pixel counts, so every weighted median falls between clusters (a median cut
        // does split a cluster that holds the median pixel: that is the algorithm).
        let centres = [RGB8(30, 30, 200), RGB8(200, 40, 40), RGB8(60, 180, 60), RGB8(220, 220, 100)]
        var px = [RGB8]()
        for c in centres {
            for _ in 0..<20 {
                for d in [1, 2, 3] {
                    px.append(RGB8(c.r + UInt8(d), c.g, c.b - UInt8(d)))
                    px.append(RGB8(c.r - UInt8(d), c.g, c.b + UInt8(d)))
                    px.append(RGB8(c.r, c.g + UInt8(d), c.b))
                    px.append(RGB8(c.r, c.g - UInt8(d), c.b))
                }
            }
        }
        let p = try MedianCut.palette(from: histogramOf(px), maxColors: 4)
        XCTAssertEqual(Set(p.colors), Set(centres))
    }

    func testRedRampGivesEvenMonotonePalette() throws {
        // 256 reds, one pixel each: 64 bins of 4 pixels. Every box splits at its median into
        // equal halves and larger boxes score higher, so 8 colours are the means of
        // 32k...32k+31: (1024k + 496 + 16) / 32 = 32k + 16.
        let h = histogramOf((0...255).map { RGB8(UInt8($0), 0, 0) })
        let p = try MedianCut.palette(from: h, maxColors: 8)
        XCTAssertEqual(p.colors, (0..<8).map { RGB8(UInt8(32 * $0 + 16), 0, 0) })
        // Any size: strictly increasing red.
        for k in [2, 3, 5, 13, 64, 256] {
            let q = try MedianCut.palette(from: h, maxColors: k).colors
            XCTAssertEqual(q.count, min(k, 64))
            XCTAssertTrue(zip(q, q.dropFirst()).allSatisfy { $0.r < $1.r && $1.g == 0 && $1.b == 0 }, "k=\(k)")
        }
    }

    func testWeightedMedianStepsBackFromTheLastCoordinate() throws {
        // Along R the bins are 0, 25, 50 with 1, 1, 10 pixels: the median bin is the last,
        // so the cut steps back to 25: {0, 100} (mean (100 + 1) / 2 = 50) and {200}.
        var px = [RGB8(0, 0, 0), RGB8(100, 0, 0)]
        px += Array(repeating: RGB8(200, 0, 0), count: 10)
        XCTAssertEqual(try MedianCut.palette(from: histogramOf(px), maxColors: 2).colors, [RGB8(50, 0, 0), RGB8(200, 0, 0)])
    }

    func testHighestScoreSplitsFirst() throws {
        // Bins (bin units) A(0,0,0) B(2,0,0) C(50,50,50) D(50,50,60). Longest side is B (60):
        // cut at b ≤ 0 → {A,B} | {C,D}. Scores: {A,B}: 4 − ⌊2²/2⌋ = 2; {C,D}: 6100 − ⌊110²/2⌋ = 50.
        // So {C,D} splits; {A,B} stays as its mean (4,0,0).
        let px = [RGB8(0, 0, 0), RGB8(8, 0, 0), RGB8(200, 200, 200), RGB8(200, 200, 240)]
        XCTAssertEqual(try MedianCut.palette(from: histogramOf(px), maxColors: 3).colors,
                       [RGB8(4, 0, 0), RGB8(200, 200, 200), RGB8(200, 200, 240)])
    }

    func testLongestSideTiePrefersGreen() throws {
        // Bins A(0,0,0) B(10,0,0) C(0,10,0): R and G sides tie at 10. Cutting G gives {A,B} | {C}
        // (mean of A=(0,0,0), B=(40,0,0) is (20,0,0)); cutting R would give {A,C} | {B}.
        let px = [RGB8(0, 0, 0), RGB8(40, 0, 0), RGB8(0, 40, 0)]
        XCTAssertEqual(try MedianCut.palette(from: histogramOf(px), maxColors: 2).colors, [RGB8(20, 0, 0), RGB8(0, 40, 0)])
    }

    func testRoundedMeanOfABox() throws {
        // One bin holding several colours: (0,1,2),(1,2,3),(3,3,3) → sums (4,6,8), N = 3
        // → ((4+1)/3, (6+1)/3, (8+1)/3) = (1,2,3), rounding half up.
        let px = [RGB8(0, 1, 2), RGB8(1, 2, 3), RGB8(3, 3, 3)]
        XCTAssertEqual(try MedianCut.palette(from: histogramOf(px), maxColors: 2).colors, [RGB8(1, 2, 3)])
    }

    func testDeterministicAndOrderIndependent() throws {
        var rng = PaletteRNG(4)
        var px = (0..<5000).map { _ in RGB8(rng.byte(), rng.byte() >> 1, rng.byte() | 0x80) }
        let a = try MedianCut.palette(from: histogramOf(px), maxColors: 64)
        px.reverse()
        var h = histogramOf(Array(px[0..<1234]))
        h.merge(histogramOf(Array(px[1234...])))
        let b = try MedianCut.palette(from: h, maxColors: 64)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, try MedianCut.palette(from: h, maxColors: 64))
        XCTAssertEqual(a.count, 64)
        XCTAssertEqual(Set(a.colors).count, 64, "palette colours are distinct")
        XCTAssertEqual(a.colors, a.colors.sorted(by: MedianCut.lumaOrder))
    }

    func testEverySizeGivesDistinctSortedColours() throws {
        var rng = PaletteRNG(5)
        let px = (0..<3000).map { _ in RGB8(rng.byte() >> 2, rng.byte(), 77) }
        let h = histogramOf(px)
        for k in [2, 3, 7, 16, 100, 255, 256] {
            let p = try MedianCut.palette(from: h, maxColors: k)
            XCTAssertEqual(p.count, k)
            XCTAssertEqual(Set(p.colors).count, k)
            XCTAssertEqual(p.colors, p.colors.sorted(by: MedianCut.lumaOrder))
            XCTAssertTrue(p.colors.allSatisfy { $0.r <= 63 && $0.b == 77 })
        }
    }
}
