import Foundation
import GifsmithCore
@testable import GifsmithGIF
import XCTest

final class LossyLZWTests: XCTestCase {
    func testBudgetRule() {
        // 16·d² ≤ level²: distance at most level / 4.
        XCTAssertTrue(LossyLZW.accepts(RGB8(0, 0, 0), RGB8(2, 0, 0), level: 8))  // 64 ≤ 64
        XCTAssertFalse(LossyLZW.accepts(RGB8(0, 0, 0), RGB8(2, 1, 0), level: 8))  // 80 > 64
        XCTAssertTrue(LossyLZW.accepts(RGB8(10, 10, 10), RGB8(13, 14, 10), level: 20))  // 400 ≤ 400
        XCTAssertFalse(LossyLZW.accepts(RGB8(10, 10, 10), RGB8(13, 14, 11), level: 20))
        XCTAssertFalse(LossyLZW.accepts(RGB8(0, 0, 0), RGB8(0, 0, 1), level: 0))
    }

    func testCandidatesNearestFirstThenLowestIndex() {
        let p = Palette([RGB8(0, 0, 0), RGB8(3, 0, 0), RGB8(1, 1, 0), RGB8(2, 0, 0), RGB8(0, 2, 0), RGB8(100, 0, 0)])
        let t = LossyLZW(palette: p, level: 20)  // d² ≤ 25
        func list(_ k: Int) -> [Int] { (Int(t.offsets[k]) ..< Int(t.offsets[k + 1])).map { Int(t.candidates[$0]) } }
        XCTAssertEqual(list(0), [2, 3, 4, 1])  // d² 2, 4, 4 (index 3 before 4), 9
        XCTAssertEqual(list(5), [])
        XCTAssertEqual(list(6), [])  // past the palette: never replaced
        XCTAssertEqual(list(255), [])
        XCTAssertTrue(LossyLZW(palette: p, level: 0).isLossless)
    }

    /// Level 0, and a level below every colour distance, give plain LZW's bytes.
    func testLosslessLevelsAreByteIdentical() throws {
        var rng = TestRNG(seed: 5)
        let p = distinctPalette(16, rng: &rng)
        var minDistance = Int.max
        for a in p.colors { for b in p.colors where a != b { minDistance = min(minDistance, LossyLZW.distanceSquared(a, b)) } }
        var level = 0
        while 16 * minDistance > (level + 1) * (level + 1) { level += 1 }
        let data = (0 ..< 20000).map { _ in UInt8(rng.below(16)) }
        for l in [0, level] {
            let t = LossyLZW(palette: p, level: l)
            XCTAssertTrue(t.isLossless)
            XCTAssertEqual(LZW.encode(data, minimumCodeSize: 4, lossy: t), LZW.encode(data, minimumCodeSize: 4), "level \(l)")
        }
        let frame = GIFFrameInput(image: randomImage(64, 48, colors: 16, rng: &rng), palette: p, usesGlobalPalette: false,
                                  delayCentiseconds: 4)
        XCTAssertEqual(GIFFrameEncoder.encode(frame, previous: nil, optimize: true, lossy: 0),
                       GIFFrameEncoder.encode(frame, previous: nil, optimize: true))
    }

    /// Noise between two near-identical colours compresses like a flat area; the far colour
    /// (white) and indices past the palette stay exact.
    func testNoiseBetweenNearColoursShrinksAndFarColoursStayExact() throws {
        var rng = TestRNG(seed: 9)
        let p = Palette([RGB8(0, 0, 0), RGB8(2, 0, 0), RGB8(255, 255, 255)])
        // Index 3 plays the transparent index (past the palette).
        let data = (0 ..< 30000).map { i -> UInt8 in i % 97 == 0 ? 2 : i % 89 == 0 ? 3 : UInt8(rng.below(2)) }
        let plain = LZW.encode(data, minimumCodeSize: 2)
        let lossy = LZW.encode(data, minimumCodeSize: 2, lossy: LossyLZW(palette: p, level: 8))
        XCTAssertEqual(lossy, LZW.encode(data, minimumCodeSize: 2, lossy: LossyLZW(palette: p, level: 8)), "deterministic")
        let decoded = try LZW.decode(lossy, minimumCodeSize: 2)
        XCTAssertEqual(decoded.count, data.count)
        var replaced = 0
        for (want, got) in zip(data, decoded) {
            if want >= 2 { XCTAssertEqual(got, want) } else { XCTAssertLessThan(got, 2) }
            if want != got { replaced += 1 }
        }
        XCTAssertGreaterThan(replaced, 0)
        XCTAssertLessThan(lossy.count * 2, plain.count, "plain \(plain.count) bytes, lossy \(lossy.count)")
    }

    /// A dithered photo (two frames, the second optimised with transparency) at lossy
    /// 0/20/60/100: FFmpeg decodes every one, every displayed pixel is within the budget of
    /// the intended one, and higher levels give smaller files.
    func testDitheredPhotoWithinBudgetAndSmaller() throws {
        let (w, h, rgb) = try photo("coffee.png", width: 480)
        var hist = ColorHistogram()
        hist.add(RGBImage(width: w, height: h, pixels: rgb))
        // 255 colours: the global table keeps a free entry for the transparent index.
        let palette = try MedianCut.palette(from: hist, maxColors: 255)
        let mapper = PaletteMapper(palette: palette)
        var second = rgb
        for y in 60 ..< 200 { for x in 100 ..< 300 { for c in 0 ..< 3 { second[(y * w + x) * 3 + c] = 255 - second[(y * w + x) * 3 + c] } } }
        let frames = [rgb, second].map { px in
            GIFFrameInput(image: DitherKernel.map(RGBImage(width: w, height: h, pixels: px), mapper: mapper, dither: Dither(.floydSteinberg)),
                          palette: palette, usesGlobalPalette: true, delayCentiseconds: 10)
        }
        let expected = frames.map(expectedRGB)
        let dir = try TempDir()
        var sizes: [Int] = []
        for level in [0, 20, 60, 100] {
            var bytes: [UInt8] = []
            let writer = try GIFStreamWriter(width: w, height: h, globalPalette: palette, loop: .forever) { bytes.append(contentsOf: $0) }
            for (k, f) in frames.enumerated() {
                try writer.append(frameBytes: GIFFrameEncoder.encode(f, previous: k > 0 ? frames[k - 1] : nil, optimize: true, lossy: level))
            }
            try writer.finish()
            sizes.append(bytes.count)
            let decoded = try ExternalDecoder.ffmpeg.decode(bytes, width: w, height: h, dir: dir).frames
            let ours = try GIFReader.decode(bytes).frames.map(\.rgb)
            XCTAssertEqual(decoded.count, 2)
            XCTAssertEqual(decoded, ours, "FFmpeg and our reader agree at level \(level)")
            var worst = 0, changed = 0
            for (got, want) in zip(decoded, expected) {
                for i in stride(from: 0, to: want.count, by: 3) {
                    let dr = Int(got[i]) - Int(want[i]), dg = Int(got[i + 1]) - Int(want[i + 1]), db = Int(got[i + 2]) - Int(want[i + 2])
                    let d = dr * dr + dg * dg + db * db
                    worst = max(worst, d)
                    if d != 0 { changed += 1 }
                }
            }
            XCTAssertLessThanOrEqual(16 * worst, level * level, "level \(level): worst squared distance \(worst)")
            if level > 0 { XCTAssertGreaterThan(changed, 0, "level \(level) changed nothing") }
            print("lossy \(level): \(bytes.count) bytes, \(changed) of \(2 * w * h) pixels replaced, worst distance² \(worst)")
        }
        XCTAssertEqual(sizes, sizes.sorted(by: >), "sizes for 0/20/60/100: \(sizes)")
        XCTAssertEqual(Set(sizes).count, 4, "sizes for 0/20/60/100: \(sizes)")
    }

    /// A photo from `scripts/photos.sh`, scaled to `width` by the FFmpeg CLI: (width, height, rgb24).
    private func photo(_ name: String, width: Int) throws -> (Int, Int, [UInt8]) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        guard let dir = try? runTool("/bin/bash", [root.appendingPathComponent("scripts/photos.sh").path]) else {
            throw XCTSkip("scripts/photos.sh could not provide the sample photos (offline?)")
        }
        let path = String(decoding: dir, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) + "/" + name
        let raw = try runTool("/usr/bin/ffmpeg", ["-v", "error", "-i", path, "-vf", "scale=\(width):-2", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        let height = raw.count / (3 * width)
        XCTAssertEqual(raw.count, 3 * width * height)
        return (width, height, [UInt8](raw))
    }
}
