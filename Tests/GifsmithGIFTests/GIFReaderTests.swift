import GifsmithCore
@testable import GifsmithGIF
import XCTest

/// The reader must agree with FFmpeg, Pillow and ImageMagick on files using features our
/// writer never produces: offsets, interlace, disposal 2 and 3, transparency.
final class GIFReaderTests: XCTestCase {
    /// Hand-assembled frame bytes with any disposal, rectangle and interlace.
    private func rawFrame(rect: PixelRect, indices: [UInt8], disposal: Int, transparent: UInt8?, interlaced: Bool,
                          delay: Int = 5, mcs: Int = 2) -> [UInt8] {
        var out: [UInt8] = [0x21, 0xF9, 0x04, UInt8(disposal << 2) | (transparent == nil ? 0 : 1),
                            UInt8(delay & 255), UInt8(delay >> 8), transparent ?? 0, 0]
        out.append(0x2C)
        for v in [rect.x, rect.y, rect.width, rect.height] { out += [UInt8(v & 255), UInt8(v >> 8)] }
        out.append(interlaced ? 0x40 : 0)
        var stored = indices
        if interlaced {
            // Stored row r holds canvas row destinationRow(r); that function's pass table is
            // checked here against a literal order for 6 rows: 0, 4, 2, 1, 3, 5.
            XCTAssertEqual((0 ..< 6).map { GIFReader.destinationRow($0, height: 6, interlaced: true) }, [0, 4, 2, 1, 3, 5])
            stored = []
            for r in 0 ..< rect.height {
                let src = GIFReader.destinationRow(r, height: rect.height, interlaced: true)
                stored += indices[src * rect.width ..< (src + 1) * rect.width]
            }
        }
        out.append(UInt8(mcs))
        out += LZW.encode(stored, minimumCodeSize: mcs)
        return out
    }

    func testCompositingMatchesIndependentDecoders() throws {
        let w = 20, h = 15
        let palette = Palette([RGB8(250, 10, 10), RGB8(10, 250, 10), RGB8(10, 10, 250), RGB8(200, 200, 50)])
        var bytes: [UInt8] = []
        let writer = try GIFStreamWriter(width: w, height: h, globalPalette: palette, loop: .forever) { bytes += $0 }
        var rng = TestRNG(seed: 30)
        let full = PixelRect(x: 0, y: 0, width: w, height: h)
        try writer.append(frameBytes: rawFrame(rect: full, indices: (0 ..< w * h).map { _ in UInt8(rng.below(4)) },
                                               disposal: 1, transparent: nil, interlaced: false))
        // Restore-to-previous: drawn, shown, then undone before the next frame.
        try writer.append(frameBytes: rawFrame(rect: PixelRect(x: 3, y: 2, width: 5, height: 4),
                                               indices: [UInt8](repeating: 3, count: 20), disposal: 3, transparent: nil, interlaced: false))
        // Interlaced, with transparent holes (index 0 transparent), 11 rows to cover all passes.
        var inter: [UInt8] = []
        for i in 0 ..< 6 * 11 {
            let value: Int = i % 7 == 0 ? 0 : 1 + (i / 6) % 3
            inter.append(UInt8(value))
        }
        try writer.append(frameBytes: rawFrame(rect: PixelRect(x: 10, y: 3, width: 6, height: 11), indices: inter,
                                               disposal: 1, transparent: 0, interlaced: true))
        // A small frame in the far corner, odd size.
        try writer.append(frameBytes: rawFrame(rect: PixelRect(x: 17, y: 12, width: 3, height: 3),
                                               indices: [0, 1, 2, 3, 0, 1, 2, 3, 0], disposal: 1, transparent: nil, interlaced: false))
        try writer.finish()

        let ours = try GIFReader.decode(bytes)
        XCTAssertEqual(ours.frames.count, 4)
        XCTAssertEqual(ours.frames[2].interlaced, true)
        XCTAssertEqual(ours.frames[2].rect, PixelRect(x: 10, y: 3, width: 6, height: 11))
        // Frame 2 is drawn over frame 0's pixels (frame 1 was undone).
        XCTAssertEqual(Array(ours.frames[2].rgb[(3 * w + 3) * 3 ..< (3 * w + 3) * 3 + 3]), Array(ours.frames[0].rgb[(3 * w + 3) * 3 ..< (3 * w + 3) * 3 + 3]))
        XCTAssertEqual(Array(ours.frames[1].rgb[(3 * w + 3) * 3 ..< (3 * w + 3) * 3 + 3]), [200, 200, 50])

        let dir = try TempDir()
        for decoder in ExternalDecoder.allCases {
            let got = try decoder.decode(bytes, width: w, height: h, dir: dir)
            XCTAssertEqual(got.frames.count, 4, "\(decoder)")
            for k in 0 ..< min(4, got.frames.count) {
                XCTAssertEqual(got.frames[k], ours.frames[k].rgb, "\(decoder) frame \(k)")
            }
        }
    }

    func testRejectsMalformedData() throws {
        XCTAssertThrowsError(try GIFReader.decode(Array("GIF89b".utf8) + [UInt8](repeating: 0, count: 20)))
        var bytes: [UInt8] = []
        let palette = Palette([RGB8(1, 2, 3), RGB8(4, 5, 6)])
        let w = try GIFStreamWriter(width: 4, height: 4, globalPalette: palette, loop: .none) { bytes += $0 }
        try w.append(frameBytes: GIFFrameEncoder.encode(
            GIFFrameInput(image: IndexedImage(width: 4, height: 4, indices: [UInt8](repeating: 1, count: 16)), palette: palette,
                          usesGlobalPalette: true, delayCentiseconds: 3), previous: nil, optimize: false))
        try w.finish()
        XCTAssertNoThrow(try GIFReader.decode(bytes))
        // Truncations anywhere must throw, never crash.
        for cut in 0 ..< bytes.count - 1 {
            XCTAssertThrowsError(try GIFReader.decode(Array(bytes[0 ..< cut])), "cut at \(cut)")
        }
        // An index past the 2-entry table.
        var bad = bytes
        let frameStart = 13 + 6
        let lzw = LZW.encode([UInt8](repeating: 3, count: 16), minimumCodeSize: 2)
        bad = Array(bad[0 ..< frameStart + 8 + 10 + 1]) + lzw + [0x3B]
        XCTAssertThrowsError(try GIFReader.decode(bad)) {
            XCTAssertEqual(($0 as? GIFError)?.description, "not a valid GIF: frame 0 uses index 3 of a 2-entry table")
        }
    }
}
