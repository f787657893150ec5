import Foundation
import GifsmithCore
import XCTest

final class QuantizerTests: XCTestCase {
    private func reds(_ values: [(UInt8, Int)]) -> ColorHistogram {
        histogramOf(values.flatMap { v, n in [RGB8](repeating: RGB8(v, 0, 0), count: n) })
    }

    private func redRamp() -> ColorHistogram { histogramOf((0...255).map { RGB8(UInt8($0), 0, 0) }) }

    // MARK: shared rules, every quantizer

    func testRejectsBadSizesAndEmptyHistograms() {
        let h = histogramOf([RGB8(1, 2, 3)])
        for kind in QuantizerKind.allCases {
            for bad in [0, 1, 257] {
                XCTAssertThrowsError(try Quantizer.palette(from: h, maxColors: bad, kind: kind), "\(kind) \(bad)")
            }
            XCTAssertThrowsError(try Quantizer.palette(from: ColorHistogram(), maxColors: 16, kind: kind), "\(kind)")
        }
    }

    func testKindNames() {
        XCTAssertEqual(QuantizerKind.allCases.map(\.rawValue), ["median-cut", "wu", "kmeans", "octree"])
    }

    func testOneColour() throws {
        let h = histogramOf([RGB8](repeating: RGB8(17, 200, 99), count: 50))
        for kind in QuantizerKind.allCases {
            XCTAssertEqual(try Quantizer.palette(from: h, maxColors: 16, kind: kind).colors, [RGB8(17, 200, 99)], "\(kind)")
        }
    }

    func testFewerDistinctColoursThanAsked() throws {
        let h = histogramOf([RGB8(0, 0, 0), RGB8(128, 128, 128), RGB8(255, 255, 255), RGB8(128, 128, 128)])
        for kind in QuantizerKind.allCases {
            XCTAssertEqual(try Quantizer.palette(from: h, maxColors: 256, kind: kind).colors,
                           [RGB8(0, 0, 0), RGB8(128, 128, 128), RGB8(255, 255, 255)], "\(kind)")
        }
    }

    func testColoursInDistinctBinsComeBackExactly() throws {
        var rng = PaletteRNG(7)
        var bins = Set<Int>(), colors: [RGB8] = []
        while colors.count < 60 {
            let c = RGB8(rng.byte(), rng.byte(), rng.byte())
            if bins.insert(ColorHistogram.bin(c.r, c.g, c.b)).inserted { colors.append(c) }
        }
        let px = colors.flatMap { c in [RGB8](repeating: c, count: 1 + Int(c.g % 5)) }
        for kind in QuantizerKind.allCases {
            let p = try Quantizer.palette(from: histogramOf(px), maxColors: 64, kind: kind)
            XCTAssertEqual(Set(p.colors), Set(colors), "\(kind)")
            XCTAssertEqual(p.colors, p.colors.sorted(by: MedianCut.lumaOrder), "\(kind)")
        }
    }

    func testObviousClustersGiveTheirCentres() throws {
        // Four clusters with symmetric jitter (so each mean is its centre), in four different
        // octants (so the octree separates them at its first level).
        let centres = [RGB8(30, 30, 200), RGB8(200, 40, 40), RGB8(60, 180, 60), RGB8(220, 220, 100)]
        var px = [RGB8]()
        for c in centres {
            for _ in 0..<20 {
                for d in [1, 2, 3] as [UInt8] {
                    px += [RGB8(c.r + d, c.g, c.b - d), RGB8(c.r - d, c.g, c.b + d), RGB8(c.r, c.g + d, c.b), RGB8(c.r, c.g - d, c.b)]
                }
            }
        }
        let h = histogramOf(px)
        let expected = centres.sorted(by: MedianCut.lumaOrder)
        for kind in QuantizerKind.allCases {
            XCTAssertEqual(try Quantizer.palette(from: h, maxColors: 4, kind: kind).colors, expected, "\(kind)")
        }
    }

    func testEverySizeGivesDistinctSortedColoursDeterministically() throws {
        var rng = PaletteRNG(11)
        var px = [RGB8]()
        for _ in 0..<6000 {
            // Mostly a few blobs, some noise: duplicated bins with many pixels and single ones.
            let k = rng.int(0...5)
            if k == 5 { px.append(RGB8(rng.byte(), rng.byte(), rng.byte())); continue }
            let base = [(20, 40, 60), (200, 30, 30), (90, 200, 120), (240, 240, 230), (128, 128, 128)][k]
            px.append(RGB8(UInt8(base.0 + rng.int(0...15)), UInt8(base.1 + rng.int(0...15)), UInt8(base.2 + rng.int(0...15))))
        }
        let h = histogramOf(px)
        var shuffled = px
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, rng.int(0...i)) }
        let h2 = histogramOf(shuffled)
        for kind in QuantizerKind.allCases {
            for size in [2, 3, 5, 16, 17, 64, 255, 256] {
                let p = try Quantizer.palette(from: h, maxColors: size, kind: kind)
                XCTAssertLessThanOrEqual(p.count, size, "\(kind) \(size)")
                XCTAssertEqual(Set(p.colors).count, p.count, "\(kind) \(size): distinct")
                XCTAssertEqual(p.colors, p.colors.sorted(by: MedianCut.lumaOrder), "\(kind) \(size): sorted")
                XCTAssertEqual(try Quantizer.palette(from: h2, maxColors: size, kind: kind), p, "\(kind) \(size): pixel order")
                XCTAssertEqual(try Quantizer.palette(from: h, maxColors: size, kind: kind), p, "\(kind) \(size): repeat")
                if kind != .octree { XCTAssertEqual(p.count, size, "\(kind) \(size): enough bins to fill the palette") }
            }
        }
    }

    // MARK: hand-checked per algorithm

    func testWuSplitsARampAtItsMiddles() throws {
        // 256 reds, one pixel each. The variance-minimising cut of a uniform run is its middle:
        // 0...127 and 128...255, means (8128 + 64) / 128 = 64 and (24512 + 64) / 128 = 192.
        // Both halves then have equal variance; the tie goes to box 0, and so on.
        XCTAssertEqual(try WuQuantizer.palette(from: redRamp(), maxColors: 2).colors, [RGB8(64, 0, 0), RGB8(192, 0, 0)])
        XCTAssertEqual(try WuQuantizer.palette(from: redRamp(), maxColors: 4).colors.map(\.r), [32, 96, 160, 224])
    }

    func testWuPrefersTheLowerVarianceCutOverTheMedian() throws {
        // Reds 0 ×4, 8 ×1, 200 ×1. Median cut cuts at the weighted median, after 0:
        // {0} and {8, 200} → 104. Wu keeps the near colours together: E({0,8}) + E({200}) =
        // ⌊64/5⌋ + 40000 beats 0 + ⌊208²/2⌋ = 21632, so {0, 8} → (8 + 2) / 5 = 2 and {200}.
        let h = reds([(0, 4), (8, 1), (200, 1)])
        XCTAssertEqual(try MedianCut.palette(from: h, maxColors: 2).colors.map(\.r), [0, 104])
        XCTAssertEqual(try WuQuantizer.palette(from: h, maxColors: 2).colors.map(\.r), [2, 200])
    }

    func testKMeansMovesMedianCutColoursToCentroids() throws {
        // Reds 0, 100, 110, 120. Median cut: {0, 100} → 50, {110, 120} → 115. Lloyd: 100 is
        // nearer 115, so {0} → 0 and {100, 110, 120} → 110, which is stable.
        let h = reds([(0, 1), (100, 1), (110, 1), (120, 1)])
        XCTAssertEqual(try MedianCut.palette(from: h, maxColors: 2).colors.map(\.r), [50, 115])
        XCTAssertEqual(try KMeansRefinement.palette(from: h, maxColors: 2).colors.map(\.r), [0, 110])
        XCTAssertEqual(try KMeansRefinement.palette(from: h, maxColors: 2, iterations: 0).colors.map(\.r), [50, 115])
    }

    func testOctreeMergesLeastPopulatedNodesLowestPrefixFirst() throws {
        // 256 reds = 64 bins on the r axis. At 4 colours the depth-2 cubes (64 levels each)
        // remain: means 32, 96, 160, 224.
        XCTAssertEqual(try OctreeQuantizer.palette(from: redRamp(), maxColors: 4).colors.map(\.r), [32, 96, 160, 224])
        // At 5: eight depth-3 leaves (32 levels), and depth-2 merges of equal counts go to the
        // lowest prefixes first: 0...63, 64...127, 128...191 merge; 192...223 → (6624 + 16) / 32
        // = 208 (half rounds up) and 224...255 → 240 stay.
        XCTAssertEqual(try OctreeQuantizer.palette(from: redRamp(), maxColors: 5).colors.map(\.r), [32, 96, 160, 208, 240])
        // Fewer pixels merge first: with 0...63 doubled, the depth-2 merge takes 64...127 (the
        // lowest prefix among the lightest) instead: 0...31 ×2 → (992 + 32) / 64 = 16,
        // 32...63 ×2 → 48, 64...127 → 96, then 144, 176, 208, 240.
        var h = redRamp()
        h.merge(histogramOf((0...63).map { RGB8(UInt8($0), 0, 0) }))
        XCTAssertEqual(try OctreeQuantizer.palette(from: h, maxColors: 7).colors.map(\.r), [16, 48, 96, 144, 176, 208, 240])
    }

    // MARK: a real photo

    /// Mean squared error (per channel) of mapping `image` to its nearest colours in `palette`.
    private func mse(_ image: RGBImage, _ palette: Palette) -> Double {
        let indexed = DitherKernel.map(image, mapper: PaletteMapper(palette: palette), dither: Dither(.none))
        var total = 0
        for i in 0..<(image.width * image.height) {
            let c = palette.colors[Int(indexed.indices[i])]
            let dr = Int(image.pixels[3 * i]) - Int(c.r), dg = Int(image.pixels[3 * i + 1]) - Int(c.g), db = Int(image.pixels[3 * i + 2]) - Int(c.b)
            total += dr * dr + dg * dg + db * db
        }
        return Double(total) / Double(3 * image.width * image.height)
    }

    func testPhotoErrorWuAndKMeansNoWorseThanMedianCut() throws {
        let image = try photo("coffee.png")
        var h = ColorHistogram()
        h.add(image)
        var report = "coffee.png \(image.width)x\(image.height), MSE per channel:"
        for size in [64, 256] {
            var errors: [QuantizerKind: Double] = [:]
            for kind in QuantizerKind.allCases {
                let p = try Quantizer.palette(from: h, maxColors: size, kind: kind)
                errors[kind] = mse(image, p)
                report += String(format: " %@/%d=%.2f (%d colours)", kind.rawValue, size, errors[kind]!, p.count)
            }
            XCTAssertLessThanOrEqual(errors[.wu]!, errors[.medianCut]!, "wu at \(size)")
            XCTAssertLessThanOrEqual(errors[.kmeans]!, errors[.medianCut]!, "kmeans at \(size)")
        }
        print(report)
    }

    /// A photo from `scripts/photos.sh`, decoded by the FFmpeg CLI.
    private func photo(_ name: String) throws -> RGBImage {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        guard let dir = try? run("/bin/bash", [root.appendingPathComponent("scripts/photos.sh").path]) else {
            throw XCTSkip("scripts/photos.sh could not provide the sample photos (offline?)")
        }
        let path = String(decoding: dir, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) + "/" + name
        let probe = String(decoding: try run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                                                   "stream=width,height", "-of", "csv=p=0", path]), as: UTF8.self)
        let wh = probe.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
        XCTAssertEqual(wh.count, 2)
        let raw = try run("/usr/bin/ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        return RGBImage(width: wh[0], height: wh[1], pixels: [UInt8](raw))
    }

    private func run(_ tool: String, _ args: [String]) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileReadUnknown) }
        return data
    }
}
