import GifsmithCore
@testable import GifsmithGIF
import XCTest

/// The per-pixel part of the optimiser (`FrameDiffKernel.changes`, the CPU reference behind
/// `PixelBackend.frameChanges`) and how the encoder uses it: it finds what the encoder's own
/// loops found before it existed, and any finder that agrees gives the same bytes.
final class FrameChangesTests: XCTestCase {
    /// The encoder's loops before the mask existed (bounds in one fused pass, masking by
    /// comparing the LUTs inside the box), as they were in FrameDiff, kept here as the oracle.
    private enum Previous {
        static func changedBounds(previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32],
                                  width: Int, height: Int) -> PixelRect? {
            var minX = width, minY = height, maxX = -1, maxY = -1
            previous.withUnsafeBufferPointer { p in
                current.withUnsafeBufferPointer { c in
                    previousLUT.withUnsafeBufferPointer { pl in
                        currentLUT.withUnsafeBufferPointer { cl in
                            for y in 0 ..< height {
                                let row = y * width
                                var first = -1
                                var last = -1
                                for x in 0 ..< width {
                                    let i = row + x
                                    if pl[Int(p[i])] != cl[Int(c[i])] {
                                        if first < 0 { first = x }
                                        last = x
                                    }
                                }
                                if first >= 0 {
                                    if first < minX { minX = first }
                                    if last > maxX { maxX = last }
                                    if y < minY { minY = y }
                                    maxY = y
                                }
                            }
                        }
                    }
                }
            }
            if maxX < 0 { return nil }
            return PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
        }

        static func cropMaskingUnchanged(previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32],
                                         width: Int, rect: PixelRect, transparent: UInt8) -> (indices: [UInt8], replaced: Int) {
            var out = [UInt8](repeating: 0, count: rect.width * rect.height)
            var replaced = 0
            previous.withUnsafeBufferPointer { p in
                current.withUnsafeBufferPointer { c in
                    previousLUT.withUnsafeBufferPointer { pl in
                        currentLUT.withUnsafeBufferPointer { cl in
                            out.withUnsafeMutableBufferPointer { o in
                                for y in 0 ..< rect.height {
                                    let src = (rect.y + y) * width + rect.x
                                    let dst = y * rect.width
                                    for x in 0 ..< rect.width {
                                        let i = src + x
                                        let v = c[i]
                                        if pl[Int(p[i])] == cl[Int(v)] {
                                            o[dst + x] = transparent
                                            replaced += 1
                                        } else {
                                            o[dst + x] = v
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return (out, replaced)
        }
    }

    /// 256-entry LUT of a palette with `count` colours drawn from only `distinct` values, so
    /// different indices often show the same colour.
    private func lut(count: Int, distinct: Int, rng: inout TestRNG) -> [UInt32] {
        let values = (0..<distinct).map { _ in UInt32(rng.next() & 0xFF_FFFF) }
        var lut = [UInt32](repeating: 0, count: 256)
        for i in 0..<count { lut[i] = values[rng.below(distinct)] }
        return lut
    }

    private func indices(_ n: Int, below count: Int, rng: inout TestRNG) -> [UInt8] {
        (0..<n).map { _ in UInt8(rng.below(count)) }
    }

    func testMatchesThePreviousLoops() {
        var rng = TestRNG(seed: 41)
        // Widths around the 255-pixel spans of the masked crop, single rows and columns.
        for (w, h) in [(1, 1), (1, 13), (13, 1), (37, 23), (255, 2), (256, 3), (511, 2), (600, 1)] {
            let n = w * h
            for trial in 0..<6 {
                let count = [2, 7, 256][trial % 3]
                let previousLUT = lut(count: count, distinct: max(1, count / 2), rng: &rng)
                let currentLUT = trial < 3 ? previousLUT : lut(count: count, distinct: max(1, count / 2), rng: &rng)
                let previous = indices(n, below: count, rng: &rng)
                var current = previous
                // Dense noise, a few scattered changes, or none.
                switch trial % 3 {
                case 0: current = indices(n, below: count, rng: &rng)
                case 1: for _ in 0..<3 { current[rng.below(n)] = UInt8(rng.below(count)) }
                default: break
                }
                let got = FrameDiffKernel.changes(previous: previous, previousLUT: previousLUT, current: current, currentLUT: currentLUT,
                                                  width: w, height: h)
                let expectedMask = (0..<n).map { previousLUT[Int(previous[$0])] != currentLUT[Int(current[$0])] ? UInt8(1) : 0 }
                let expectedBounds = Previous.changedBounds(previous: previous, previousLUT: previousLUT, current: current,
                                                            currentLUT: currentLUT, width: w, height: h)
                XCTAssertEqual(got.mask, expectedMask, "\(w)x\(h) trial \(trial)")
                XCTAssertEqual(got.bounds, expectedBounds, "\(w)x\(h) trial \(trial)")
                guard let rect = expectedBounds else { continue }
                let masked = FrameDiff.cropMasked(current, mask: got.mask, width: w, rect: rect, transparent: 255)
                let old = Previous.cropMaskingUnchanged(previous: previous, previousLUT: previousLUT, current: current,
                                                        currentLUT: currentLUT, width: w, rect: rect, transparent: 255)
                XCTAssertEqual(masked.indices, old.indices, "\(w)x\(h) trial \(trial)")
                XCTAssertEqual(masked.replaced, old.replaced, "\(w)x\(h) trial \(trial)")
            }
        }
    }

    /// A hand-checked case: colours, not indices, decide.
    func testColoursNotIndicesDecide() throws {
        var previousLUT = [UInt32](repeating: 0, count: 256), currentLUT = previousLUT
        previousLUT[0] = 0x112233; previousLUT[1] = 0xFF0000; previousLUT[2] = 0x00FF00
        currentLUT[0] = 0x112233; currentLUT[1] = 0x0000FF; currentLUT[3] = 0xFF0000
        // 4x3. Index 0 shows one colour in both; index 1 changes colour (changed wherever it
        // stays); index 3 now shows what index 1 showed (unchanged where 1 became 3).
        let previous: [UInt8] = [0, 0, 1, 0,
                                 0, 1, 0, 0,
                                 2, 0, 1, 0]
        let current: [UInt8] = [0, 0, 3, 0,
                                0, 1, 0, 0,
                                2, 0, 3, 2]
        let changes = try CPUBackend().frameChanges(previous: previous, previousLUT: previousLUT, current: current,
                                                    currentLUT: currentLUT, width: 4, height: 3)
        // Changed: (1,1) index 1, red → blue; (0,2) index 2, green → 0 (nothing at 2 now);
        // (3,2) index 0 → 2, 0x112233 → 0. Unchanged: (2,0) and (2,2), index 1 → 3, red both.
        XCTAssertEqual(changes.mask, [0, 0, 0, 0,
                                      0, 1, 0, 0,
                                      1, 0, 0, 1])
        XCTAssertEqual(changes.bounds, PixelRect(x: 0, y: 1, width: 4, height: 2))
        let masked = FrameDiff.cropMasked(current, mask: changes.mask, width: 4, rect: changes.bounds!, transparent: 9)
        XCTAssertEqual(masked.indices, [9, 1, 9, 9,
                                        2, 9, 9, 2])
        XCTAssertEqual(masked.replaced, 5)

        let none = try CPUBackend().frameChanges(previous: previous, previousLUT: previousLUT, current: previous,
                                                 currentLUT: previousLUT, width: 4, height: 3)
        XCTAssertNil(none.bounds)
        XCTAssertEqual(none.mask, [UInt8](repeating: 0, count: 12))
    }

    func testRefusesInputsThatDoNotFit() {
        let lut = [UInt32](repeating: 0, count: 256)
        let cpu = CPUBackend()
        XCTAssertThrowsError(try cpu.frameChanges(previous: [0, 0], previousLUT: lut, current: [0, 0, 0], currentLUT: lut, width: 3, height: 1))
        XCTAssertThrowsError(try cpu.frameChanges(previous: [0], previousLUT: lut, current: [0], currentLUT: Array(lut.prefix(255)),
                                                  width: 1, height: 1))
        XCTAssertThrowsError(try cpu.frameChanges(previous: [], previousLUT: lut, current: [], currentLUT: lut, width: -1, height: 0))
        XCTAssertEqual(try cpu.frameChanges(previous: [], previousLUT: lut, current: [], currentLUT: lut, width: 0, height: 4),
                       FrameChanges(bounds: nil, mask: []))
    }

    /// The encoder with a backend's finder gives the bytes of the encoder without one, for
    /// global and local palettes, with and without room for a transparent index, lossless and
    /// lossy; and it asks the finder exactly when it optimises against a same-size frame.
    func testBackendFinderGivesTheSameBytes() throws {
        var rng = TestRNG(seed: 42)
        final class Calls: @unchecked Sendable { var count = 0 }
        let calls = Calls()
        let cpu = CPUBackend()
        let finder: GIFFrameEncoder.FrameChangeFinder = {
            calls.count += 1
            return try cpu.frameChanges(previous: $0, previousLUT: $1, current: $2, currentLUT: $3, width: $4, height: $5)
        }
        var optimised = 0
        for (w, h) in [(1, 1), (9, 1), (1, 9), (40, 30), (300, 4)] {
            for colors in [3, 127, 128, 255, 256] {
                for global in [true, false] {
                    let palette = distinctPalette(colors, rng: &rng)
                    let a = GIFFrameInput(image: randomImage(w, h, colors: colors, rng: &rng), palette: palette,
                                          usesGlobalPalette: global, delayCentiseconds: 4)
                    // Mostly the previous frame with a patch of new pixels, and a frame with no change.
                    var patched = a
                    for _ in 0..<max(1, w * h / 5) {
                        patched.image.indices[rng.below(w * h)] = UInt8(rng.below(colors))
                    }
                    var following = [patched, a]
                    if !global {
                        // The same picture under a shuffled local palette: new indices, same
                        // colours, so only the patch counts as changed.
                        var order = Array(0..<colors)
                        for k in stride(from: colors - 1, to: 0, by: -1) { order.swapAt(k, rng.below(k + 1)) }
                        var shuffled = patched
                        shuffled.palette = Palette(order.map { palette.colors[$0] })
                        var position = [UInt8](repeating: 0, count: colors)
                        for (k, old) in order.enumerated() { position[old] = UInt8(k) }
                        shuffled.image.indices = patched.image.indices.map { position[Int($0)] }
                        following.append(shuffled)
                    }
                    for b in following {
                        for lossy in [0, 40] {
                            let plain = GIFFrameEncoder.encode(b, previous: a, optimize: true, lossy: lossy)
                            let viaFinder = try GIFFrameEncoder.encode(b, previous: a, optimize: true, using: LZWEncoder(), lossy: lossy,
                                                                       changes: finder)
                            XCTAssertEqual(viaFinder, plain, "\(w)x\(h) \(colors) colours global \(global) lossy \(lossy)")
                            optimised += 1
                        }
                    }
                }
            }
        }
        XCTAssertEqual(calls.count, optimised)

        // Not optimising, no previous frame, or one of another size: the finder is not asked.
        let palette = distinctPalette(4, rng: &rng)
        let a = GIFFrameInput(image: randomImage(5, 5, colors: 4, rng: &rng), palette: palette, usesGlobalPalette: true, delayCentiseconds: 1)
        let other = GIFFrameInput(image: randomImage(5, 4, colors: 4, rng: &rng), palette: palette, usesGlobalPalette: true, delayCentiseconds: 1)
        let before = calls.count
        _ = try GIFFrameEncoder.encode(a, previous: a, optimize: false, using: LZWEncoder(), changes: finder)
        _ = try GIFFrameEncoder.encode(a, previous: nil, optimize: true, using: LZWEncoder(), changes: finder)
        _ = try GIFFrameEncoder.encode(a, previous: other, optimize: true, using: LZWEncoder(), changes: finder)
        XCTAssertEqual(calls.count, before)
    }

    func testFinderErrorsReachTheCaller() {
        struct DeviceGone: Error {}
        var rng = TestRNG(seed: 43)
        let palette = distinctPalette(4, rng: &rng)
        let a = GIFFrameInput(image: randomImage(6, 2, colors: 4, rng: &rng), palette: palette, usesGlobalPalette: true, delayCentiseconds: 1)
        XCTAssertThrowsError(try GIFFrameEncoder.encode(a, previous: a, optimize: true, using: LZWEncoder()) { _, _, _, _, _, _ in
            throw DeviceGone()
        }) { XCTAssertTrue($0 is DeviceGone) }
    }
}
