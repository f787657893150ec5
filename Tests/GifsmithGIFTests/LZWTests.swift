import GifsmithCore
@testable import GifsmithGIF
import XCTest

final class LZWTests: XCTestCase {
    /// The 3x5 sample from Wikipedia's "GIF" article: pixels 40, 255, 255, 255, 40, then ten
    /// 255s, minimum code size 8; codes 100 28 FF 103 102 103 106 107 101 (all 9 bits).
    func testWikipediaSampleEncodesToPublishedBytes() throws {
        let pixels: [UInt8] = [40, 255, 255, 255, 40] + [UInt8](repeating: 255, count: 10)
        let encoded = LZW.encode(pixels, minimumCodeSize: 8)
        XCTAssertEqual(encoded, [0x0B, 0x00, 0x51, 0xFC, 0x1B, 0x28, 0x70, 0xA0, 0xC1, 0x83, 0x01, 0x01, 0x00])
        XCTAssertEqual(try LZW.decode(encoded, minimumCodeSize: 8), pixels)
    }

    /// Hand-derived: 4 colours, pixels 0 0 0 0. Codes: clear(4) 0 6 0 EOI(5). The decoder
    /// adds its second entry (code 7) on reading the last 0, which fills 3 bits, so EOI is
    /// read at 4 bits. LSB-first: 001 000 011 000 1010 → bytes 0x84 0x51.
    func testTinyHandDerivedVector() throws {
        let encoded = LZW.encode([0, 0, 0, 0], minimumCodeSize: 2)
        XCTAssertEqual(encoded, [0x02, 0x84, 0x51, 0x00])
    }

    func testEmptyAndSinglePixel() throws {
        for mcs in 2 ... 8 {
            let empty = LZW.encode([], minimumCodeSize: mcs)
            XCTAssertEqual(try LZW.decode(empty, minimumCodeSize: mcs), [])
            let one = LZW.encode([UInt8((1 << mcs) - 1)], minimumCodeSize: mcs)
            XCTAssertEqual(try LZW.decode(one, minimumCodeSize: mcs), [UInt8((1 << mcs) - 1)])
        }
    }

    /// Random data at every code size and many lengths, including ones that cross the
    /// 255-byte sub-block boundary and the 4096-code table limit several times.
    func testRandomRoundTripsAllCodeSizes() throws {
        var rng = TestRNG(seed: 42)
        for mcs in 2 ... 8 {
            for length in [2, 3, 17, 254, 255, 256, 341, 1000, 5000, 40000] {
                let alphabet = 1 << mcs
                let data = (0 ..< length).map { _ in UInt8(rng.below(alphabet)) }
                let encoded = LZW.encode(data, minimumCodeSize: mcs)
                XCTAssertEqual(try LZW.decode(encoded, minimumCodeSize: mcs), data, "mcs \(mcs) length \(length)")
                try assertWellFramed(encoded)
            }
        }
    }

    /// Every length from 1 to 480: somewhere the last data code makes the decoder widen just
    /// as the stream would end on a byte boundary, so the end-of-information code must be
    /// written at the wider size (as giflib does) or a strict decoder runs out of bits.
    func testEveryShortLengthRoundTripsStrictly() throws {
        var rng = TestRNG(seed: 43)
        for mcs in [2, 3, 8] {
            let data = (0 ..< 480).map { _ in UInt8(rng.below(1 << mcs)) }
            for length in 1 ... 480 {
                let slice = Array(data[0 ..< length])
                XCTAssertEqual(try LZW.decode(LZW.encode(slice, minimumCodeSize: mcs), minimumCodeSize: mcs), slice,
                               "mcs \(mcs) length \(length)")
            }
        }
    }

    /// Low-entropy data grows long strings, so the table fills with long codes and clears.
    func testRunsAndRepetitionRoundTrip() throws {
        var rng = TestRNG(seed: 7)
        var data: [UInt8] = []
        while data.count < 300_000 {
            let v = UInt8(rng.below(4))
            data.append(contentsOf: repeatElement(v, count: 1 + rng.below(50)))
        }
        let encoded = LZW.encode(data, minimumCodeSize: 2)
        XCTAssertEqual(try LZW.decode(encoded, minimumCodeSize: 2), data)
        XCTAssertLessThan(encoded.count, data.count / 4)
        let flat = [UInt8](repeating: 3, count: 1_000_000)
        XCTAssertEqual(try LZW.decode(LZW.encode(flat, minimumCodeSize: 8), minimumCodeSize: 8), flat)
    }

    /// 200x200 random 256-colour data needs ~40000 codes: the table fills and clears about ten
    /// times. Also checks the stream really contains those clear codes at 12 bits.
    func testTableOverflowEmitsClearCodes() throws {
        var rng = TestRNG(seed: 99)
        let data = (0 ..< 40000).map { _ in rng.byte() }
        let encoded = LZW.encode(data, minimumCodeSize: 8)
        XCTAssertEqual(try LZW.decode(encoded, minimumCodeSize: 8), data)
        var offset = 0
        let stream = try LZW.readSubBlocks(encoded, at: &offset)
        XCTAssertEqual(offset, encoded.count)
        XCTAssertGreaterThanOrEqual(countClearCodes(stream, mcs: 8), 1 + 40000 / 3838 - 1)
    }

    /// A reused encoder gives the same bytes as a fresh one (its table is left clean).
    func testReusedEncoderMatchesFresh() throws {
        var rng = TestRNG(seed: 5)
        let encoder = LZWEncoder()
        for (mcs, length) in [(8, 30000), (2, 500), (8, 7), (5, 9000), (8, 30000)] {
            let data = (0 ..< length).map { _ in UInt8(rng.below(1 << mcs)) }
            var reused: [UInt8] = [0xAA]
            data.withUnsafeBufferPointer { encoder.encode($0, minimumCodeSize: mcs, appendingTo: &reused) }
            XCTAssertEqual(reused.first, 0xAA, "appends, keeps what was there")
            XCTAssertEqual(Array(reused.dropFirst()), LZW.encode(data, minimumCodeSize: mcs))
        }
    }

    /// The byte limit is exact: the full size passes, one less gives up, and an encoder that
    /// gave up is left clean for the next call.
    func testByteLimitIsExactAndLeavesEncoderClean() throws {
        var rng = TestRNG(seed: 12)
        let encoder = LZWEncoder()
        for length in [50, 3000, 20000] {
            let data = (0 ..< length).map { _ in UInt8(rng.below(200)) }
            let reference = LZW.encode(data, minimumCodeSize: 8)
            data.withUnsafeBufferPointer { buf in
                var out: [UInt8] = [9]
                XCTAssertFalse(encoder.encode(buf, minimumCodeSize: 8, appendingTo: &out, byteLimit: reference.count - 1))
                XCTAssertEqual(out, [9])
                XCTAssertTrue(encoder.encode(buf, minimumCodeSize: 8, appendingTo: &out, byteLimit: reference.count))
                XCTAssertEqual(out, [9] + reference)
            }
        }
    }

    func testDecoderRejectsBrokenStreams() {
        let good = LZW.encode([1, 2, 3, 1, 2, 3], minimumCodeSize: 2)
        // Cut off before the end-of-information code.
        var cut = good
        cut[0] = 1
        cut = Array(cut[0 ... 1]) + [0]
        XCTAssertThrowsError(try LZW.decode(cut, minimumCodeSize: 2))
        // Missing block terminator.
        XCTAssertThrowsError(try LZW.decode(Array(good.dropLast()), minimumCodeSize: 2))
        // Code 7 right after the clear code: only literals may follow a clear.
        // Codes clear(4)=100, 7=111 at 3 bits → bits 0,0,1,1,1,1 → 0b0011_1100 = 0x3C.
        XCTAssertThrowsError(try LZW.decode([0x01, 0x3C, 0x00], minimumCodeSize: 2))
        XCTAssertThrowsError(try LZW.decode(good, minimumCodeSize: 2, maximumCount: 3))
    }

    private func assertWellFramed(_ encoded: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws {
        var i = 0
        while encoded[i] != 0 {
            i += Int(encoded[i]) + 1
            XCTAssertLessThan(i, encoded.count, file: file, line: line)
        }
        XCTAssertEqual(i, encoded.count - 1, "terminator is the last byte", file: file, line: line)
    }

    /// Walks a code stream, tracking widths exactly as a decoder does, and counts clear codes.
    private func countClearCodes(_ stream: [UInt8], mcs: Int) -> Int {
        let clear = 1 << mcs
        var codeSize = mcs + 1, next = clear + 2, first = true, clears = 0, bit = 0
        while bit + codeSize <= stream.count * 8 {
            var code = 0
            for b in 0 ..< codeSize { code |= Int((stream[(bit + b) >> 3] >> UInt8((bit + b) & 7)) & 1) << b }
            bit += codeSize
            if code == clear { clears += 1; codeSize = mcs + 1; next = clear + 2; first = true; continue }
            if code == clear + 1 { break }
            if first { first = false; continue }
            if next < 4096 { next += 1; if next == 1 << codeSize && codeSize < 12 { codeSize += 1 } }
        }
        return clears
    }
}
