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
        // Pixel 0 moved 3 levels (held), pixel 1 moved 4 (re-mapped), pixel 2 did not move but the
        // dither chose another index (held), pixel 3 moved 3 down (held).
        XCTAssertEqual(run(s, [13, 54, 150, 87], [1, 1, 1, 0]), [0, 1, 2, 1])
    }

    func testTheReferenceIsTheColourAtTheLastChangeSoADriftIsRemapped() {
        let s = TemporalStabilizer(threshold: 3)
        _ = run(s, [100], [1])
        XCTAssertEqual(run(s, [102], [2]), [1])
        XCTAssertEqual(run(s, [103], [2]), [1], "3 levels from the reference: held")
        XCTAssertEqual(run(s, [104], [2]), [2], "4 levels from the reference (not from the last frame): re-mapped")
        XCTAssertEqual(run(s, [106], [1]), [2], "the new reference is 104")
    }

    /// Where palette entries crowd, the limit is half their spacing, not the threshold.
    func testThePalettesLocalSpacingCapsTheThreshold() {
        let close = Palette([RGB8(100, 100, 100), RGB8(104, 104, 104), RGB8(200, 200, 200)])
        let s = TemporalStabilizer(threshold: 8)
        // Entry 0's nearest neighbour is √48 away: limit (⌊√48⌋ + 1) / 2 = 3.
        XCTAssertEqual(PaletteMapper.errorLimits(close)[0], 3)
        _ = run(s, [101, 160], [0, 2], palette: close)
        XCTAssertEqual(run(s, [104, 167], [1, 1], palette: close), [0, 2], "3 levels: held; 7 levels from a sparse entry: held")
        XCTAssertEqual(run(s, [105, 169], [1, 1], palette: close), [1, 1], "4 levels near close entries, 9 beyond the threshold: re-mapped")
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
}
