import GifsmithCore
import GifsmithGIF
import XCTest

/// The optimiser's decisions, read back through our own reader (whose compositing the
/// writer tests check against FFmpeg, Pillow and ImageMagick).
final class FrameOptimizerTests: XCTestCase {
    /// Wraps one frame in a minimal GIF so the reader can parse it.
    private func decodeSingle(_ frameBytes: [UInt8], after previous: GIFFrameInput, globalPalette: Palette?) throws -> GIFDecodedFrame {
        var bytes: [UInt8] = []
        let w = try GIFStreamWriter(width: previous.image.width, height: previous.image.height,
                                    globalPalette: globalPalette, loop: .none) { bytes += $0 }
        try w.append(frameBytes: GIFFrameEncoder.encode(previous, previous: nil, optimize: true))
        try w.append(frameBytes: frameBytes)
        try w.finish()
        let image = try GIFReader.decode(bytes)
        XCTAssertEqual(image.frames.count, 2)
        XCTAssertEqual(image.frames[0].rgb, expectedRGB(previous))
        return image.frames[1]
    }

    private func frame(_ image: IndexedImage, _ palette: Palette, global: Bool = true, delay: Int = 5) -> GIFFrameInput {
        GIFFrameInput(image: image, palette: palette, usesGlobalPalette: global, delayCentiseconds: delay)
    }

    func testIdenticalFrameBecomesTinyNoOp() throws {
        var rng = TestRNG(seed: 1)
        let palette = distinctPalette(200, rng: &rng)
        let a = frame(randomImage(120, 80, colors: 200, rng: &rng), palette)
        let bytes = GIFFrameEncoder.encode(a, previous: a, optimize: true)
        // GCE 8 + descriptor 10 + code size 1 + one small sub-block + terminator.
        XCTAssertLessThanOrEqual(bytes.count, 8 + 10 + 1 + 6 + 1)
        let decoded = try decodeSingle(bytes, after: a, globalPalette: palette)
        XCTAssertEqual(decoded.rect, PixelRect(x: 0, y: 0, width: 1, height: 1))
        XCTAssertEqual(decoded.rgb, expectedRGB(a))
        XCTAssertEqual(decoded.delayCentiseconds, 5)
    }

    func testIdenticalLocalPaletteFrameGetsTwoEntryTable() throws {
        var rng = TestRNG(seed: 2)
        let palette = distinctPalette(256, rng: &rng)
        let a = frame(randomImage(40, 30, colors: 256, rng: &rng), palette, global: false)
        let bytes = GIFFrameEncoder.encode(a, previous: a, optimize: true)
        XCTAssertLessThanOrEqual(bytes.count, 8 + 10 + 6 + 1 + 6 + 1)
        let decoded = try decodeSingle(bytes, after: a, globalPalette: nil)
        XCTAssertEqual(decoded.localTableSize, 2)
        XCTAssertEqual(decoded.rgb, expectedRGB(a))
    }

    /// Same colours through a different palette order: nothing displayed changes.
    func testPermutedPaletteWithSameColoursIsUnchanged() throws {
        var rng = TestRNG(seed: 3)
        let palette = distinctPalette(50, rng: &rng)
        let a = frame(randomImage(64, 64, colors: 50, rng: &rng), palette, global: false)
        let perm = (0 ..< 50).reversed().map { $0 }
        let permuted = Palette(perm.map { palette.colors[$0] })
        // New index j shows palette.colors[perm[j]]; old index i must become j with perm[j] == i.
        let b = frame(IndexedImage(width: 64, height: 64, indices: a.image.indices.map { UInt8(49 - Int($0)) }), permuted, global: false)
        XCTAssertEqual(expectedRGB(a), expectedRGB(b))
        let decoded = try decodeSingle(GIFFrameEncoder.encode(b, previous: a, optimize: true), after: a, globalPalette: nil)
        XCTAssertEqual(decoded.rect, PixelRect(x: 0, y: 0, width: 1, height: 1))
    }

    func testOnePixelChangeGivesOnePixelRectangle() throws {
        var rng = TestRNG(seed: 4)
        let palette = distinctPalette(16, rng: &rng)
        let a = frame(randomImage(333, 187, colors: 16, rng: &rng), palette)
        for (x, y) in [(0, 0), (332, 186), (100, 50), (0, 186), (332, 0)] {
            var b = a
            let i = y * 333 + x
            b.image.indices[i] = (b.image.indices[i] + 1) & 15
            let bytes = GIFFrameEncoder.encode(b, previous: a, optimize: true)
            let decoded = try decodeSingle(bytes, after: a, globalPalette: palette)
            XCTAssertEqual(decoded.rect, PixelRect(x: x, y: y, width: 1, height: 1))
            XCTAssertEqual(decoded.rgb, expectedRGB(b))
            XCTAssertNil(decoded.transparentIndex, "a 1x1 box has no unchanged pixel to make transparent")
        }
    }

    /// Changing an index to another index with the same colour is not a change.
    func testIndexChangeWithSameColourIsNotAChange() throws {
        let palette = Palette([RGB8(1, 2, 3), RGB8(9, 9, 9), RGB8(1, 2, 3), RGB8(0, 0, 0)])
        let a = frame(IndexedImage(width: 5, height: 4, indices: [UInt8](repeating: 0, count: 20)), palette)
        var b = a
        b.image.indices[7] = 2   // same colour as 0
        b.image.indices[13] = 1  // a real change at (3, 2)
        let decoded = try decodeSingle(GIFFrameEncoder.encode(b, previous: a, optimize: true), after: a, globalPalette: palette)
        XCTAssertEqual(decoded.rect, PixelRect(x: 3, y: 2, width: 1, height: 1))
    }

    /// Two changes at opposite corners of a noisy frame: the box is the whole frame, and
    /// transparency (unchanged noise becomes one long run) is much smaller, so it is chosen.
    func testSparseChangesUseTransparencyWhenSmaller() throws {
        var rng = TestRNG(seed: 5)
        let palette = distinctPalette(255, rng: &rng)  // 255: index 255 is free
        let a = frame(randomImage(100, 60, colors: 255, rng: &rng), palette)
        var b = a
        b.image.indices[0] = (b.image.indices[0] + 1) % 255
        b.image.indices[100 * 60 - 1] = (b.image.indices[100 * 60 - 1] + 1) % 255
        let bytes = GIFFrameEncoder.encode(b, previous: a, optimize: true)
        let plain = GIFFrameEncoder.encode(b, previous: nil, optimize: false)
        XCTAssertLessThan(bytes.count * 10, plain.count)
        let decoded = try decodeSingle(bytes, after: a, globalPalette: palette)
        XCTAssertEqual(decoded.rect, PixelRect(x: 0, y: 0, width: 100, height: 60))
        XCTAssertEqual(decoded.transparentIndex, 255)
        XCTAssertEqual(decoded.rgb, expectedRGB(b))
    }

    /// A full 256-colour global palette has no free index: no transparency, still correct.
    func testFullGlobalPaletteNeverUsesTransparency() throws {
        var rng = TestRNG(seed: 6)
        let palette = distinctPalette(256, rng: &rng)
        let a = frame(randomImage(50, 50, colors: 256, rng: &rng), palette)
        var b = a
        b.image.indices[0] &+= 1
        b.image.indices[2499] &+= 1
        let decoded = try decodeSingle(GIFFrameEncoder.encode(b, previous: a, optimize: true), after: a, globalPalette: palette)
        XCTAssertNil(decoded.transparentIndex)
        XCTAssertEqual(decoded.rgb, expectedRGB(b))
    }

    /// A 16-colour local palette fills its table; transparency needs a 32-entry table, and
    /// is still worth it for sparse changes in noise.
    func testLocalPaletteGrowsForTransparency() throws {
        var rng = TestRNG(seed: 8)
        let palette = distinctPalette(16, rng: &rng)
        let a = frame(randomImage(90, 90, colors: 16, rng: &rng), palette, global: false)
        var b = a
        b.image.indices[0] = (b.image.indices[0] + 1) & 15
        b.image.indices[8099] = (b.image.indices[8099] + 1) & 15
        let decoded = try decodeSingle(GIFFrameEncoder.encode(b, previous: a, optimize: true), after: a, globalPalette: nil)
        XCTAssertEqual(decoded.transparentIndex, 16)
        XCTAssertEqual(decoded.localTableSize, 32)
        XCTAssertEqual(decoded.rgb, expectedRGB(b))
    }

    /// When every pixel in the box changed, transparency cannot help: none is used.
    func testDenseChangeUsesNoTransparency() throws {
        var rng = TestRNG(seed: 9)
        let palette = distinctPalette(100, rng: &rng)
        let a = frame(randomImage(40, 40, colors: 100, rng: &rng), palette)
        var b = a
        for y in 10 ..< 20 { for x in 5 ..< 25 { b.image.indices[y * 40 + x] = UInt8((Int(a.image.indices[y * 40 + x]) + 1) % 100) } }
        let decoded = try decodeSingle(GIFFrameEncoder.encode(b, previous: a, optimize: true), after: a, globalPalette: palette)
        XCTAssertEqual(decoded.rect, PixelRect(x: 5, y: 10, width: 20, height: 10))
        XCTAssertNil(decoded.transparentIndex)
        XCTAssertEqual(decoded.rgb, expectedRGB(b))
    }

    /// Both forms are encoded and the smaller kept, ties going to the plain form. Checked by
    /// building both candidates independently: with a 7-colour global palette (8-entry
    /// table, index 7 free) they differ only in their LZW data.
    func testKeepsTheSmallerForm() throws {
        var rng = TestRNG(seed: 10)
        let palette = distinctPalette(7, rng: &rng)
        let w = 30, h = 20
        var outcomes = Set<Bool>()
        for trial in 0 ..< 24 {
            let a: GIFFrameInput
            var b: GIFFrameInput
            if trial % 2 == 0 {
                // Stripes with scattered changes: masking turns the stripes into one run.
                a = frame(IndexedImage(width: w, height: h, indices: (0 ..< w * h).map { UInt8(($0 / (3 + trial % 5)) % 7) }), palette)
                b = a
                for _ in 0 ..< (1 + trial * 2) { let i = rng.below(w * h); b.image.indices[i] = UInt8(rng.below(7)) }
            } else {
                // A flat fill over noise: the pixels that already had the fill colour would
                // become scattered transparent holes, so the plain fill compresses better.
                a = frame(randomImage(w, h, colors: 7, rng: &rng), palette)
                b = a
                for y in 2 ..< 2 + trial % 15 { for x in 1 ..< 29 { b.image.indices[y * w + x] = 3 } }
            }
            let bytes = GIFFrameEncoder.encode(b, previous: a, optimize: true)
            let decoded = try decodeSingle(bytes, after: a, globalPalette: palette)
            XCTAssertEqual(decoded.rgb, expectedRGB(b))

            let r = decoded.rect
            var plain: [UInt8] = [], masked: [UInt8] = []
            for y in r.y ..< r.y + r.height {
                for x in r.x ..< r.x + r.width {
                    let i = y * w + x
                    plain.append(b.image.indices[i])
                    masked.append(palette.colors[Int(a.image.indices[i])] == palette.colors[Int(b.image.indices[i])] ? 7 : b.image.indices[i])
                }
            }
            let plainSize = LZW.encode(plain, minimumCodeSize: 3).count
            let maskedSize = LZW.encode(masked, minimumCodeSize: 3).count
            let header = 8 + 10 + 1  // GCE, image descriptor, minimum code size
            XCTAssertEqual(bytes.count, header + min(plainSize, maskedSize), "trial \(trial)")
            XCTAssertEqual(decoded.transparentIndex != nil, maskedSize < plainSize, "trial \(trial)")
            outcomes.insert(maskedSize < plainSize)
        }
        XCTAssertEqual(outcomes.count, 2, "the trials should exercise both outcomes")
    }

    /// [1,0,1] over [0,0,0]: plain [1,0,1] and masked [1,3,1] encode to the same length, and a
    /// tie keeps the plain form.
    func testTieKeepsPlainForm() throws {
        let palette = Palette([RGB8(0, 0, 0), RGB8(255, 0, 0), RGB8(0, 255, 0)])
        let a = frame(IndexedImage(width: 3, height: 1, indices: [0, 0, 0]), palette)
        let b = frame(IndexedImage(width: 3, height: 1, indices: [1, 0, 1]), palette)
        XCTAssertEqual(LZW.encode([1, 0, 1], minimumCodeSize: 2).count, LZW.encode([1, 3, 1], minimumCodeSize: 2).count)
        let decoded = try decodeSingle(GIFFrameEncoder.encode(b, previous: a, optimize: true), after: a, globalPalette: palette)
        XCTAssertEqual(decoded.rect, PixelRect(x: 0, y: 0, width: 3, height: 1))
        XCTAssertNil(decoded.transparentIndex)
    }

    func testNoOptimiseWritesFullFrames() throws {
        var rng = TestRNG(seed: 11)
        let palette = distinctPalette(4, rng: &rng)
        let a = frame(randomImage(20, 10, colors: 4, rng: &rng), palette)
        let decoded = try decodeSingle(GIFFrameEncoder.encode(a, previous: a, optimize: false), after: a, globalPalette: palette)
        XCTAssertEqual(decoded.rect, PixelRect(x: 0, y: 0, width: 20, height: 10))
        XCTAssertEqual(decoded.disposal, 1)
    }
}
