import GifsmithCore
import GifsmithGIF
import XCTest

/// Whole files written by GIFStreamWriter + GIFFrameEncoder, decoded by FFmpeg, Pillow and
/// ImageMagick, must show exactly the intended colours in every frame.
final class GIFWriterTests: XCTestCase {
    private func frame(_ image: IndexedImage, _ palette: Palette, global: Bool = true, delay: Int = 4) -> GIFFrameInput {
        GIFFrameInput(image: image, palette: palette, usesGlobalPalette: global, delayCentiseconds: delay)
    }

    func testHeaderBytes() throws {
        var bytes: [UInt8] = []
        let palette = Palette([RGB8(10, 20, 30), RGB8(40, 50, 60), RGB8(70, 80, 90)])
        let w = try GIFStreamWriter(width: 300, height: 2, globalPalette: palette, loop: .count(7)) { bytes += $0 }
        XCTAssertEqual(Array(bytes[0 ..< 13]), Array("GIF89a".utf8) + [0x2C, 0x01, 0x02, 0x00, 0xF1, 0, 0])
        XCTAssertEqual(Array(bytes[13 ..< 25]), [10, 20, 30, 40, 50, 60, 70, 80, 90, 0, 0, 0], "4 entries, black padding")
        XCTAssertEqual(Array(bytes[25...]), [0x21, 0xFF, 0x0B] + Array("NETSCAPE2.0".utf8) + [3, 1, 7, 0, 0])
        try w.finish()
        XCTAssertEqual(bytes.last, 0x3B)
        XCTAssertThrowsError(try w.append(frameBytes: [])) { XCTAssertEqual($0 as? GIFError, .writerFinished) }
        XCTAssertThrowsError(try w.finish())
    }

    func testInvalidOptionsThrowReadableErrors() {
        XCTAssertThrowsError(try GIFStreamWriter(width: 0, height: 5, globalPalette: nil, loop: .none) { _ in }) {
            XCTAssertEqual(($0 as? GIFError)?.description, "a GIF canvas must be 1...65535 pixels on each side, not 0x5")
        }
        XCTAssertThrowsError(try GIFStreamWriter(width: 70000, height: 5, globalPalette: nil, loop: .none) { _ in })
        XCTAssertThrowsError(try GIFStreamWriter(width: 5, height: 5, globalPalette: nil, loop: .count(65536)) { _ in }) {
            XCTAssertEqual($0 as? GIFError, .invalidLoopCount(65536))
        }
    }

    func testSinkErrorsReachTheCallerUnchanged() throws {
        struct DiskFull: Error, Equatable {}
        var calls = 0
        let w = try GIFStreamWriter(width: 1, height: 1, globalPalette: nil, loop: .none) { _ in
            calls += 1
            if calls > 1 { throw DiskFull() }
        }
        XCTAssertThrowsError(try w.append(frameBytes: [1])) { XCTAssertEqual($0 as? DiskFull, DiskFull()) }
    }

    func testOnePixelGIF() throws {
        let palette = Palette([RGB8(200, 100, 50)])
        let f = frame(IndexedImage(width: 1, height: 1, indices: [0]), palette, delay: 10)
        let gif = try writeGIF([f], globalPalette: palette, optimize: true)
        try assertDecodesExactly(gif, [f], loop: 0)
    }

    /// Odd size, global palettes of 2, 16 and 256 colours, several optimised frames with
    /// changes of every kind (none, one pixel, a block, everything).
    func testOddSizeGlobalPalettes() throws {
        var rng = TestRNG(seed: 20)
        for colors in [2, 16, 256] {
            let palette = distinctPalette(colors, rng: &rng)
            var frames = [frame(randomImage(333, 187, colors: colors, rng: &rng), palette)]
            var next = frames[0]
            next.image.indices[333 * 100 + 77] = UInt8((Int(next.image.indices[333 * 100 + 77]) + 1) % colors)
            frames.append(next)
            frames.append(next)  // unchanged
            for y in 40 ..< 90 { for x in 200 ..< 300 { next.image.indices[y * 333 + x] = UInt8(rng.below(colors)) } }
            frames.append(next)
            frames.append(frame(randomImage(333, 187, colors: colors, rng: &rng), palette))
            let gif = try writeGIF(frames, globalPalette: palette, optimize: true)
            try assertDecodesExactly(gif, frames, loop: 0)
        }
    }

    /// 200x200 random 256 colours: the LZW table fills and clears many times.
    func testLargeRandomFrameDecodesEverywhere() throws {
        var rng = TestRNG(seed: 21)
        let palette = distinctPalette(256, rng: &rng)
        let frames = (0 ..< 2).map { _ in frame(randomImage(200, 200, colors: 256, rng: &rng), palette) }
        let gif = try writeGIF(frames, globalPalette: palette, optimize: false)
        try assertDecodesExactly(gif, frames, loop: 0)
    }

    /// Sixty optimised frames of a square moving over a noisy background, 30 fps delays,
    /// 255-colour global palette (so transparency is available and must be used).
    func testSixtyFrameAnimationWithTransparency() throws {
        var rng = TestRNG(seed: 22)
        let palette = distinctPalette(255, rng: &rng)
        let background = randomImage(96, 64, colors: 255, rng: &rng)
        var scheduler = DelayScheduler()
        var frames: [GIFFrameInput] = []
        for k in 0 ..< 60 {
            var img = background
            let sx = (k * 3) % 80, sy = (k * 2) % 50
            for y in sy ..< sy + 12 { for x in sx ..< sx + 12 { img.indices[y * 96 + x] = UInt8(k % 255) } }
            // A lone flickering pixel far from the square makes boxes large but sparse.
            img.indices[63 * 96 + 95] = UInt8((k * 7) % 255)
            let delay = scheduler.delay(fromMicroseconds: Int64(k) * 1_000_000 / 30, toMicroseconds: Int64(k + 1) * 1_000_000 / 30)
            frames.append(frame(img, palette, delay: delay))
        }
        let gif = try writeGIF(frames, globalPalette: palette, optimize: true)
        let ours = try GIFReader.decode(gif)
        XCTAssertGreaterThan(ours.frames.filter { $0.transparentIndex != nil }.count, 30, "most frames should use transparency")
        XCTAssertEqual(ours.frames.map(\.delayCentiseconds).reduce(0, +), 200)
        try assertDecodesExactly(gif, frames, loop: 0)
    }

    /// A local palette per frame (sizes 2...256), optimised, with frames that keep, permute
    /// or replace the colours, and an unchanged frame.
    func testLocalPalettesPerFrame() throws {
        var rng = TestRNG(seed: 23)
        var frames: [GIFFrameInput] = []
        let w = 71, h = 33
        for (k, colors) in [2, 3, 16, 17, 100, 255, 256, 5, 5].enumerated() {
            let palette = distinctPalette(colors, rng: &rng)
            if k > 0 && k % 3 == 0 {
                // Keep most of the previous image: re-map its colours into this palette where it
                // has them, otherwise repaint the pixel.
                let prev = frames[k - 1]
                let merged = Palette(Array(prev.palette.colors.prefix(colors - 1)) + [palette.colors[colors - 1]])
                var img = prev.image
                for i in img.indices.indices where Int(img.indices[i]) >= colors - 1 { img.indices[i] = UInt8(colors - 1) }
                frames.append(frame(img, merged, global: false, delay: 3 + k))
            } else if k == 8 {
                frames.append(frames[7])  // unchanged
            } else {
                frames.append(frame(randomImage(w, h, colors: colors, rng: &rng), palette, global: false, delay: 3 + k))
            }
        }
        let gif = try writeGIF(frames, globalPalette: nil, loop: .count(3), optimize: true)
        let ours = try GIFReader.decode(gif)
        XCTAssertEqual(ours.frames[8].rect.width * ours.frames[8].rect.height, 1)
        try assertDecodesExactly(gif, frames, loop: 3)
    }

    /// Global palette with some frames overriding it with local tables.
    func testMixedGlobalAndLocalTables() throws {
        var rng = TestRNG(seed: 24)
        let global = distinctPalette(64, rng: &rng)
        var frames: [GIFFrameInput] = []
        for k in 0 ..< 6 {
            let local = k % 2 == 1
            let palette = local ? distinctPalette(32, rng: &rng) : global
            frames.append(frame(randomImage(50, 37, colors: palette.count, rng: &rng), palette, global: !local, delay: 7))
        }
        let gif = try writeGIF(frames, globalPalette: global, loop: .forever, optimize: true)
        try assertDecodesExactly(gif, frames, loop: 0)
    }

    func testLoopModes() throws {
        let palette = Palette([RGB8(0, 0, 0), RGB8(255, 255, 255)])
        let frames = [frame(IndexedImage(width: 3, height: 2, indices: [0, 1, 0, 1, 0, 1]), palette),
                      frame(IndexedImage(width: 3, height: 2, indices: [1, 0, 1, 0, 1, 0]), palette)]
        for (mode, expected) in [(LoopMode.forever, Optional(0)), (.count(5), 5), (.count(65535), 65535), (.none, nil), (.count(0), nil)] {
            let gif = try writeGIF(frames, globalPalette: palette, loop: mode, optimize: true)
            try assertDecodesExactly(gif, frames, loop: expected, decoders: [.pillow])
        }
    }

    /// Unoptimised and optimised output of the same clip decode identically; optimised is smaller.
    func testOptimisationPreservesPixelsAndSavesBytes() throws {
        var rng = TestRNG(seed: 25)
        let palette = distinctPalette(127, rng: &rng)
        var img = randomImage(80, 60, colors: 127, rng: &rng)
        var frames: [GIFFrameInput] = []
        for k in 0 ..< 12 {
            for _ in 0 ..< 40 { img.indices[rng.below(80 * 60)] = UInt8(rng.below(127)) }
            frames.append(frame(img, palette, delay: 2 + k))
        }
        let plain = try writeGIF(frames, globalPalette: palette, optimize: false)
        let optimised = try writeGIF(frames, globalPalette: palette, optimize: true)
        XCTAssertLessThan(optimised.count * 2, plain.count)
        try assertDecodesExactly(optimised, frames, loop: 0)
        XCTAssertEqual(try GIFReader.decode(plain).frames.map(\.rgb), try GIFReader.decode(optimised).frames.map(\.rgb))
    }

    /// Frames encoded concurrently and written in order give the same bytes as sequentially.
    func testConcurrentEncodingMatchesSequential() throws {
        var rng = TestRNG(seed: 26)
        let palette = distinctPalette(200, rng: &rng)
        var img = randomImage(64, 48, colors: 200, rng: &rng)
        var frames: [GIFFrameInput] = []
        for _ in 0 ..< 16 {
            for _ in 0 ..< 100 { img.indices[rng.below(64 * 48)] = UInt8(rng.below(200)) }
            frames.append(frame(img, palette))
        }
        let sequential = frames.indices.map { GIFFrameEncoder.encode(frames[$0], previous: $0 > 0 ? frames[$0 - 1] : nil, optimize: true) }
        let box = ResultBox(count: frames.count)
        let input = frames
        DispatchQueue.concurrentPerform(iterations: input.count) { k in
            box.set(k, GIFFrameEncoder.encode(input[k], previous: k > 0 ? input[k - 1] : nil, optimize: true))
        }
        XCTAssertEqual(box.values, sequential)
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [[UInt8]]
    init(count: Int) { storage = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [UInt8]) { lock.lock(); storage[i] = v; lock.unlock() }
    var values: [[UInt8]] { lock.lock(); defer { lock.unlock() }; return storage }
}
