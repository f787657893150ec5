import XCTest
import GifsmithCore
@testable import GifsmithVulkan

/// The frame changes on Vulkan (frameDiff.comp) equal FrameDiffKernel.changes byte for byte:
/// the mask, and the bounds (nil when nothing changed).
final class FrameDiffEquivalenceTests: XCTestCase {
    private struct Pair {
        var previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32]
        var width: Int, height: Int
    }

    private func cpu(_ p: Pair) -> FrameChanges {
        FrameDiffKernel.changes(previous: p.previous, previousLUT: p.previousLUT, current: p.current, currentLUT: p.currentLUT,
                                width: p.width, height: p.height)
    }

    private func gpu(_ backend: VulkanBackend, _ p: Pair) throws -> FrameChanges {
        try backend.frameChanges(previous: p.previous, previousLUT: p.previousLUT, current: p.current, currentLUT: p.currentLUT,
                                 width: p.width, height: p.height)
    }

    /// A LUT of `count` colours from `distinct` values (so indices alias), zero past `count`.
    private func lut(count: Int, distinct: Int, _ rng: inout TestRNG) -> [UInt32] {
        let values = (0..<distinct).map { _ in UInt32(truncatingIfNeeded: rng.next()) & 0xFF_FFFF }
        var lut = [UInt32](repeating: 0, count: 256)
        for i in 0..<count { lut[i] = values[rng.int(0...(distinct - 1))] }
        return lut
    }

    private func frame(_ n: Int, colors: Int, _ rng: inout TestRNG) -> [UInt8] {
        (0..<n).map { _ in UInt8(rng.int(0...(colors - 1))) }
    }

    /// Sizes: single pixels, rows and columns, widths that are not a multiple of four pixels or
    /// of a workgroup (256 pixels), frames of several workgroups. Changes: dense noise, a few
    /// pixels, none; LUTs equal or different.
    private func check(_ backend: VulkanBackend, seed: UInt64) throws {
        var rng = TestRNG(seed)
        for (w, h) in [(1, 1), (1, 13), (13, 1), (3, 5), (67, 5), (255, 3), (257, 2), (45, 31), (130, 40)] {
            let n = w * h
            for trial in 0..<6 {
                let colors = [2, 16, 256][trial % 3]
                let previousLUT = lut(count: colors, distinct: max(1, colors / 2), &rng)
                let currentLUT = trial < 3 ? previousLUT : lut(count: colors, distinct: max(1, colors / 2), &rng)
                let previous = frame(n, colors: colors, &rng)
                var current = previous
                switch trial % 3 {
                case 0: current = frame(n, colors: colors, &rng)
                case 1: for _ in 0..<2 { current[rng.int(0...(n - 1))] = UInt8(rng.int(0...(colors - 1))) }
                default: break
                }
                let pair = Pair(previous: previous, previousLUT: previousLUT, current: current, currentLUT: currentLUT, width: w, height: h)
                let expected = cpu(pair)
                let got = try gpu(backend, pair)
                XCTAssertEqual(got.bounds, expected.bounds, "\(w)x\(h) trial \(trial)")
                XCTAssertTrue(got.mask == expected.mask, "\(w)x\(h) trial \(trial): \(firstDifference(got.mask, expected.mask))")
                // Equal LUTs and no edits: nothing changed, on either side.
                if trial == 2 {
                    XCTAssertNil(got.bounds)
                    XCTAssertEqual(got.mask, [UInt8](repeating: 0, count: n))
                }
            }
        }
    }

    func testRandomFramesMatchCPU() throws {
        try check(try vulkan(), seed: 60)
    }

    func testStagedRandomFramesMatchCPU() throws {
        try check(try vulkan(Backends.staged), seed: 61)
    }

    /// One changed pixel in each corner (and the centre) gives a 1x1 box there and a mask with
    /// that single byte set; a second pass with two opposite corners gives the whole frame.
    func testOnePixelInEachCorner() throws {
        for backend in [try vulkan(), try vulkan(Backends.staged)] {
            for (w, h) in [(67, 5), (1, 9), (9, 1), (4, 4)] {
                var lut = [UInt32](repeating: 0, count: 256)
                lut[1] = 0xABCDEF
                let previous = [UInt8](repeating: 0, count: w * h)
                for (x, y) in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w / 2, h / 2)] {
                    var current = previous
                    current[y * w + x] = 1
                    let pair = Pair(previous: previous, previousLUT: lut, current: current, currentLUT: lut, width: w, height: h)
                    let got = try gpu(backend, pair)
                    XCTAssertEqual(got.bounds, PixelRect(x: x, y: y, width: 1, height: 1), "\(w)x\(h) at \(x),\(y)")
                    XCTAssertEqual(got.mask, current, "\(w)x\(h) at \(x),\(y)")
                    XCTAssertEqual(got, cpu(pair))
                }
                var current = previous
                current[w - 1] = 1
                current[(h - 1) * w] = 1
                let got = try gpu(backend, Pair(previous: previous, previousLUT: lut, current: current, currentLUT: lut, width: w, height: h))
                XCTAssertEqual(got.bounds, PixelRect(x: 0, y: 0, width: w, height: h), "\(w)x\(h) opposite corners")
            }
        }
    }

    /// Colours decide, not indices: other indices showing the same colours are unchanged, and
    /// the same indices showing other colours are changed.
    func testColoursNotIndicesDecide() throws {
        let backend = try vulkan()
        var rng = TestRNG(62)
        let (w, h) = (70, 9)
        let previousLUT = (0..<256).map { i in UInt32(i) &* 0x010203 & 0xFF_FFFF }
        // Index i + 1 now shows what index i showed.
        let shiftedLUT = (0..<256).map { i in previousLUT[(i + 255) % 256] }
        let previous = frame(w * h, colors: 255, &rng)
        let shifted = previous.map { $0 + 1 }
        let same = try gpu(backend, Pair(previous: previous, previousLUT: previousLUT, current: shifted, currentLUT: shiftedLUT,
                                         width: w, height: h))
        XCTAssertNil(same.bounds)
        XCTAssertEqual(same.mask, [UInt8](repeating: 0, count: w * h))

        // Same indices, the colour of index 7 only changed: exactly the pixels holding 7.
        var recoloured = previousLUT
        recoloured[7] ^= 0x000100
        var withSeven = previous
        withSeven[3 * w + 5] = 7
        withSeven[6 * w + 61] = 7
        let pair = Pair(previous: withSeven, previousLUT: previousLUT, current: withSeven, currentLUT: recoloured, width: w, height: h)
        let got = try gpu(backend, pair)
        XCTAssertEqual(got.mask, withSeven.map { $0 == 7 ? 1 : 0 })
        XCTAssertEqual(got, cpu(pair))
        let sevens = withSeven.indices.filter { withSeven[$0] == 7 }
        let xs = sevens.map { $0 % w }, ys = sevens.map { $0 / w }
        XCTAssertEqual(got.bounds, PixelRect(x: xs.min()!, y: ys.min()!, width: xs.max()! - xs.min()! + 1, height: ys.max()! - ys.min()! + 1))
    }

    /// Buffers are reused between calls: a smaller frame after a larger one must not see the
    /// larger one's leftover indices or bounds, and a no-change frame after a changed one
    /// must give nil.
    func testSmallerFramesAfterLargerOnes() throws {
        let backend = try vulkan()
        var rng = TestRNG(63)
        var lut = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 { lut[i] = UInt32(i) }
        for (w, h, change) in [(200, 50, true), (7, 3, false), (5, 5, true), (1, 1, false), (3, 1, true), (1, 1, true)] {
            let previous = frame(w * h, colors: 256, &rng)
            var current = previous
            if change { current[w * h - 1] &+= 1 }
            let pair = Pair(previous: previous, previousLUT: lut, current: current, currentLUT: lut, width: w, height: h)
            let got = try gpu(backend, pair)
            XCTAssertEqual(got, cpu(pair), "\(w)x\(h)")
            XCTAssertEqual(got.bounds, change ? PixelRect(x: w - 1, y: h - 1, width: 1, height: 1) : nil, "\(w)x\(h)")
        }
    }

    func testEmptyAndMismatchedInputs() throws {
        let backend = try vulkan()
        let lut = [UInt32](repeating: 0, count: 256)
        XCTAssertEqual(try backend.frameChanges(previous: [], previousLUT: lut, current: [], currentLUT: lut, width: 0, height: 3),
                       FrameChanges(bounds: nil, mask: []))
        XCTAssertThrowsError(try backend.frameChanges(previous: [1], previousLUT: lut, current: [1, 2], currentLUT: lut, width: 2, height: 1))
        XCTAssertThrowsError(try backend.frameChanges(previous: [1], previousLUT: [1], current: [1], currentLUT: lut, width: 1, height: 1))
    }
}
