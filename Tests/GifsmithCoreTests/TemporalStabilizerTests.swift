import XCTest
@testable import GifsmithCore

final class TemporalStabilizerTests: XCTestCase {
    private let palette = Palette([RGB8(0, 0, 0), RGB8(100, 100, 100), RGB8(200, 200, 200)])

    private func image(_ colors: [UInt8]) -> RGBImage {
        RGBImage(width: colors.count, height: 1, pixels: colors.flatMap { [$0, $0, $0] })
    }

    private func run(_ s: TemporalStabilizer, _ colors: [UInt8], _ mapped: [UInt8], palette: Palette? = nil) -> [UInt8] {
        s.stabilize(image(colors), mapped: IndexedImage(width: mapped.count, height: 1, indices: mapped),
                    palette: palette ?? self.palette) { count, body in (0..<count).forEach(body) }.indices
    }

    func testPixelsWithinTheThresholdKeepTheirIndex() {
        let s = TemporalStabilizer(threshold: 3)
        XCTAssertEqual(run(s, [10, 50, 150, 90], [0, 0, 2, 1]), [0, 0, 2, 1], "the first frame is as mapped")
        // Pixel 0 moved 3 levels (held), pixel 1 moved 4 and the new 100 is 8 levels closer than 0
        // (re-mapped: the block's tolerance is min(3, 1 + 42/2) = 3), pixel 2 did not move but the
        // dither chose another index (held), pixel 3 moved 3 down (held).
        XCTAssertEqual(run(s, [13, 54, 150, 87], [1, 1, 1, 0]), [0, 1, 2, 1])
    }

    /// Rule 1 alone: the new mapped colour is far closer than the held one (a one-pixel image is a
    /// flat block, so rule 2's tolerance is 1 level), so only the drift from the reference holds.
    func testTheReferenceIsTheColourAtTheLastChangeSoADriftIsRemapped() {
        let near = Palette([RGB8(0, 0, 0), RGB8(100, 100, 100), RGB8(105, 105, 105), RGB8(200, 200, 200)])
        let s = TemporalStabilizer(threshold: 3)
        _ = run(s, [100], [1], palette: near)
        XCTAssertEqual(run(s, [102], [2], palette: near), [1])
        XCTAssertEqual(run(s, [103], [2], palette: near), [1], "3 levels from the reference: held")
        XCTAssertEqual(run(s, [104], [2], palette: near), [2],
                       "4 levels from the reference (not from the last frame), and 105 is 3 levels closer than 100: re-mapped")
        XCTAssertEqual(run(s, [106], [1], palette: near), [2], "the new reference is 104")
    }

    /// Where palette entries crowd, rule 1's limit is half their spacing, not the threshold.
    func testThePalettesLocalSpacingCapsTheThreshold() {
        let close = Palette([RGB8(100, 100, 100), RGB8(104, 104, 104), RGB8(200, 200, 200)])
        let s = TemporalStabilizer(threshold: 8)
        // Entry 0's nearest neighbour is √48 away: limit (⌊√48⌋ + 1) / 2 = 3.
        XCTAssertEqual(PaletteMapper.errorLimits(close)[0], 3)
        _ = run(s, [101], [0], palette: close)
        XCTAssertEqual(run(s, [104], [1], palette: close), [0], "3 levels: held")
        XCTAssertEqual(run(s, [105], [1], palette: close), [1], "4 levels, and 104 is 4 levels closer than 100: re-mapped")
    }

    /// Near a sparse entry the threshold is the drift limit; past it, rule 2 still keeps an index
    /// that shows the pixel better than the dither's new choice.
    func testASparseEntryHoldsUpToTheThresholdAndThenWhileItIsTheBetterColour() {
        let s = TemporalStabilizer(threshold: 8)
        _ = run(s, [150], [2])
        XCTAssertEqual(run(s, [157], [1]), [2], "7 levels from the reference: held")
        XCTAssertEqual(run(s, [159], [1]), [2], "9 levels, but 200 is 41 away and the new 100 is 59: held")
        XCTAssertEqual(run(s, [170], [1]), [2], "200 is 30 away, 100 70")
    }

    /// Rule 2's tolerance is 1 level on a flat block and grows with the block's activity: the same
    /// pixel change is re-mapped on a flat area and held in busy detail.
    func testTheToleranceFollowsTheBlocksActivity() {
        let greys = Palette([0, 40, 100, 150, 160, 200].map { RGB8($0, $0, $0) })
        // 8x1 images: one block each. Pixel 1 moves from 160 to 148; 150 is the new mapped colour.
        func pixel1(first: [UInt8], mapped: [UInt8]) -> UInt8 {
            let s = TemporalStabilizer(threshold: 10)
            _ = run(s, first, mapped, palette: greys)
            var second = first
            second[1] = 148
            var remapped = mapped
            remapped[1] = 3
            return run(s, second, remapped, palette: greys)[1]
        }
        // 160 and 150 are √300 apart: rule 1's limit is 9 levels, so rule 2 decides (148 vs 160: 12).
        XCTAssertEqual(PaletteMapper.errorLimits(greys)[4], 9)
        // Flat: activity (7·2 + 10) / 8 = 3 (mean 158), tolerance 1 + 3/2 = 2: 12 > 2 + 2.
        XCTAssertEqual(pixel1(first: [UInt8](repeating: 160, count: 8), mapped: [UInt8](repeating: 4, count: 8)), 3)
        // Busy (40/160 alternating): activity 58 (mean 98), tolerance min(10, 30) = 10: 12 ≤ 2 + 10.
        XCTAssertEqual(pixel1(first: [40, 160, 40, 160, 40, 160, 40, 160], mapped: [1, 4, 1, 4, 1, 4, 1, 4]), 4)
    }

    func testToleranceAndActivityValues() {
        XCTAssertEqual(TemporalStabilizer.tolerance(activity: 0, threshold: 10), 1)
        XCTAssertEqual(TemporalStabilizer.tolerance(activity: 3, threshold: 10), 2)
        XCTAssertEqual(TemporalStabilizer.tolerance(activity: 17, threshold: 10), 9)
        XCTAssertEqual(TemporalStabilizer.tolerance(activity: 40, threshold: 10), 10)
        XCTAssertEqual(TemporalStabilizer.tolerance(activity: 40, threshold: 0), -1, "threshold 0: rule 2 off")
        // 8x8 blocks: flat, a vertical ramp 0...70 in red only (mean 35, mean deviation 20), a 0/200 checkerboard.
        func activity(_ f: (Int, Int) -> (UInt8, UInt8, UInt8)) -> Int {
            var px: [UInt8] = []
            for y in 0..<8 { for x in 0..<8 { let c = f(x, y); px += [c.0, c.1, c.2] } }
            return px.withUnsafeBufferPointer { TemporalStabilizer.activity($0.baseAddress!, width: 8, 0, 8, 0, 8) }
        }
        XCTAssertEqual(activity { _, _ in (9, 90, 200) }, 0)
        XCTAssertEqual(activity { _, y in (UInt8(10 * y), 50, 50) }, 20)
        XCTAssertEqual(activity { x, y in (x + y) % 2 == 0 ? (0, 0, 0) : (200, 200, 200) }, 100)
    }

    func testAnotherPaletteOrSizeStartsAfresh() {
        let s = TemporalStabilizer(threshold: 10)
        _ = run(s, [100, 100], [1, 1])
        let other = Palette([RGB8(0, 0, 0), RGB8(101, 101, 101), RGB8(200, 200, 200)])
        XCTAssertEqual(run(s, [100, 100], [2, 0], palette: other), [2, 0])
        XCTAssertEqual(run(s, [100, 100, 100], [0, 0, 0], palette: other), [0, 0, 0])
        XCTAssertEqual(run(s, [100, 100, 100], [1, 1, 1], palette: other), [0, 0, 0])
    }

    func testThresholdZeroHoldsOnlyEqualColoursAndBandsCoverEveryRow() {
        let s = TemporalStabilizer(threshold: 0)
        let w = 5, h = 13
        let first = RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { UInt8($0 % 251) })
        var second = first
        second.pixels[3 * 7] &+= 1      // pixel 7 changes by one level
        let mappedFirst = IndexedImage(width: w, height: h, indices: [UInt8](repeating: 1, count: w * h))
        let mappedSecond = IndexedImage(width: w, height: h, indices: [UInt8](repeating: 2, count: w * h))
        let serial: (Int, (Int) -> Void) -> Void = { count, body in (0..<count).forEach(body) }
        _ = s.stabilize(first, mapped: mappedFirst, palette: palette, bands: serial)
        // Bands in reverse order: the result must not depend on their order.
        let out = s.stabilize(second, mapped: mappedSecond, palette: palette) { count, body in (0..<count).reversed().forEach(body) }
        var expected = [UInt8](repeating: 1, count: w * h)
        expected[7] = 2
        XCTAssertEqual(out.indices, expected)
    }
    /// The rules written out per pixel, with nothing skipped: what `stabilize` must equal.
    private struct Reference {
        let threshold: Int
        var reference: [UInt8] = [], shown: [UInt8] = []

        mutating func step(_ im: RGBImage, _ mapped: [UInt8], _ palette: Palette) -> [UInt8] {
            if shown.isEmpty { reference = im.pixels; shown = mapped; return mapped }
            let limits = PaletteMapper.errorLimits(palette).map { min(Int($0), threshold) }
            let w = im.width, h = im.height
            for y in 0..<h {
                for x in 0..<w {
                    let p = y * w + x
                    let s = (0..<3).map { Int(im.pixels[3 * p + $0]) }
                    let k = Int(shown[p]), m = Int(mapped[p])
                    func e(_ i: Int) -> Int {
                        let c = palette.colors[i]
                        return max(abs(Int(c.r) - s[0]), abs(Int(c.g) - s[1]), abs(Int(c.b) - s[2]))
                    }
                    let drift = (0..<3).map { abs(s[$0] - Int(reference[3 * p + $0])) }.max()!
                    let x0 = x / 8 * 8, y0 = y / 8 * 8
                    let activity = im.pixels.withUnsafeBufferPointer {
                        TemporalStabilizer.activity($0.baseAddress!, width: w, x0, min(w, x0 + 8), y0, min(h, y0 + 8))
                    }
                    let tolerance = TemporalStabilizer.tolerance(activity: activity, threshold: threshold)
                    if drift <= limits[k] || (tolerance >= 0 && e(k) <= e(m) + tolerance) { continue }
                    shown[p] = mapped[p]
                    for c in 0..<3 { reference[3 * p + c] = im.pixels[3 * p + c] }
                }
            }
            return shown
        }
    }

    func testStabilizeEqualsThePerPixelRulesOnRandomFrames() {
        // Odd sizes (partial blocks on the right and at the bottom), frames that drift by a few
        // levels, and mapped indices that repeat the shown ones in long runs and at random, so
        // the run-skipping path and the per-pixel path both run.
        var rng = PaletteRNG(31)
        let p = Palette((0..<12).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) })
        for (w, h, threshold) in [(37, 19, 10), (8, 8, 3), (61, 9, 0), (5, 3, 64)] {
            let s = TemporalStabilizer(threshold: threshold)
            var reference = Reference(threshold: threshold)
            var pixels = (0..<(w * h * 3)).map { _ in rng.byte() }
            var shown: [UInt8] = []
            for frame in 0..<6 {
                pixels = pixels.map { UInt8(clamping: Int($0) + rng.int(-3...3)) }
                var mapped = (0..<(w * h)).map { _ in UInt8(rng.int(0...11)) }
                if !shown.isEmpty {
                    var i = 0
                    while i < w * h {
                        let run = rng.int(1...20)
                        if rng.int(0...2) > 0 { for j in i..<min(w * h, i + run) { mapped[j] = shown[j] } }
                        i += run
                    }
                }
                let im = RGBImage(width: w, height: h, pixels: pixels)
                let got = s.stabilize(im, mapped: IndexedImage(width: w, height: h, indices: mapped), palette: p) { count, body in
                    (0..<count).forEach(body)
                }.indices
                let want = reference.step(im, mapped, p)
                XCTAssertEqual(got, want, "\(w)x\(h) threshold \(threshold) frame \(frame)")
                shown = got
            }
        }
    }

    func testWholeBlockActivityEqualsTheGeneralOne() {
        var rng = PaletteRNG(32)
        let w = 21, h = 17
        for round in 0..<40 {
            // Random, extreme (0/255) and nearly flat blocks.
            let pixels: [UInt8] = (0..<(w * h * 3)).map { _ in
                switch round % 3 {
                case 0: rng.byte()
                case 1: rng.int(0...1) == 0 ? 0 : 255
                default: UInt8(100 + rng.int(0...3))
                }
            }
            pixels.withUnsafeBufferPointer { buf in
                let x0 = rng.int(0...(w - 8)), y0 = rng.int(0...(h - 8))
                let fast = TemporalStabilizer.activity8x8(buf.baseAddress! + 3 * (y0 * w + x0), width: w)
                XCTAssertEqual(fast, TemporalStabilizer.activity(buf.baseAddress!, width: w, x0, x0 + 8, y0, y0 + 8), "block at \(x0),\(y0)")
            }
        }
    }
}
