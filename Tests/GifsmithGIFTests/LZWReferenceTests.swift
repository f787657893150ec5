@testable import GifsmithGIF
import XCTest

/// The encoder against a textbook one written for this test: a dictionary of strings, one
/// pixel at a time, no hashing and no shortcuts for runs. Same conventions (clear first, a
/// clear when all 4096 codes are used, widening one code early as giflib does, sub-blocks of
/// 255), so every byte must match, not just decode to the same pixels.
final class LZWReferenceTests: XCTestCase {
    /// Runs of every length next to mixed stretches, at every code size, long enough to fill
    /// the table many times (runs that straddle a clear code included).
    func testRunHeavyDataMatchesTextbookEncoder() {
        var rng = TestRNG(seed: 2026)
        for mcs in 2 ... 8 {
            for shape in 0 ..< 4 {
                let data = runHeavy(count: 60_000, alphabet: 1 << mcs, shape: shape, rng: &rng)
                XCTAssertEqual(LZW.encode(data, minimumCodeSize: mcs), textbookEncode(data, mcs: mcs), "mcs \(mcs) shape \(shape)")
            }
        }
    }

    /// Edge shapes: one long run (its strings grow past 4096 codes' worth), a run that starts
    /// at the first pixel, alternating runs of two indices, runs of length 1 to 20 in turn,
    /// and very short inputs.
    func testEdgeShapesMatchTextbookEncoder() {
        var cases: [[UInt8]] = [
            [UInt8](repeating: 3, count: 1_000_000),
            [UInt8](repeating: 0, count: 9) + [1],
            [1] + [UInt8](repeating: 0, count: 9),
            (0 ..< 200_000).map { UInt8(($0 / 37) & 1) },
            (1 ... 20).flatMap { [UInt8](repeating: UInt8($0 & 3), count: $0) },
        ]
        for length in 1 ... 40 { cases.append([UInt8](repeating: 2, count: length)) }
        for data in cases {
            XCTAssertEqual(LZW.encode(data, minimumCodeSize: 8), textbookEncode(data, mcs: 8), "length \(data.count)")
            XCTAssertEqual(LZW.encode(data, minimumCodeSize: 2), textbookEncode(data, mcs: 2), "length \(data.count)")
        }
    }

    /// A reused encoder (its run records and table left from the previous call) gives the
    /// textbook bytes, also after a call that gave up at its byte limit inside a run.
    func testReusedEncoderAfterGivingUpInARun() {
        var rng = TestRNG(seed: 77)
        let encoder = LZWEncoder()
        for round in 0 ..< 6 {
            let data = runHeavy(count: 20_000, alphabet: 16, shape: round & 3, rng: &rng)
            let reference = textbookEncode(data, mcs: 4)
            data.withUnsafeBufferPointer { buf in
                var out: [UInt8] = []
                XCTAssertFalse(encoder.encode(buf, minimumCodeSize: 4, appendingTo: &out, byteLimit: reference.count / 3))
                XCTAssertFalse(encoder.encode(buf, minimumCodeSize: 4, appendingTo: &out, byteLimit: reference.count - 1))
                XCTAssertTrue(out.isEmpty)
                XCTAssertTrue(encoder.encode(buf, minimumCodeSize: 4, appendingTo: &out, byteLimit: reference.count))
                XCTAssertEqual(out, reference, "round \(round)")
            }
        }
    }

    /// Shape 0: runs of 1–300 of random indices; 1: mostly one index (a transparent
    /// background) with short bursts; 2: runs of 1–8; 3: a few indices, runs up to 5000.
    private func runHeavy(count: Int, alphabet: Int, shape: Int, rng: inout TestRNG) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(count)
        while data.count < count {
            let value: Int, length: Int
            switch shape {
            case 0: (value, length) = (rng.below(alphabet), 1 + rng.below(300))
            case 1: (value, length) = rng.below(3) == 0 ? (rng.below(alphabet), 1 + rng.below(4)) : (alphabet - 1, 1 + rng.below(2000))
            case 2: (value, length) = (rng.below(alphabet), 1 + rng.below(8))
            default: (value, length) = (rng.below(min(alphabet, 3)), 1 + rng.below(5000))
            }
            data.append(contentsOf: repeatElement(UInt8(value), count: min(length, count - data.count)))
        }
        return data
    }

    /// Textbook LZW: strings as (prefix code, index) in a dictionary.
    private func textbookEncode(_ data: [UInt8], mcs: Int) -> [UInt8] {
        let clear = 1 << mcs
        var dictionary: [Int: Int] = [:]
        var next = clear + 2
        var width = mcs + 1
        var bits: [Bool] = []
        func send(_ code: Int) {
            for b in 0 ..< width { bits.append(code >> b & 1 == 1) }
        }
        send(clear)
        if var prefix = data.first.map(Int.init) {
            for value in data.dropFirst() {
                let key = prefix << 8 | Int(value)
                if let code = dictionary[key] {
                    prefix = code
                    continue
                }
                send(prefix)
                if next >= 1 << width && width < 12 { width += 1 }
                if next < 4096 {
                    dictionary[key] = next
                    next += 1
                } else {
                    send(clear)
                    dictionary = [:]
                    next = clear + 2
                    width = mcs + 1
                }
                prefix = Int(value)
            }
            send(prefix)
            if next >= 1 << width && width < 12 { width += 1 }
        }
        send(clear + 1)
        var bytes: [UInt8] = []
        for start in stride(from: 0, to: bits.count, by: 8) {
            var byte: UInt8 = 0
            for b in start ..< min(start + 8, bits.count) where bits[b] { byte |= 1 << UInt8(b - start) }
            bytes.append(byte)
        }
        var out: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: 255) {
            let block = bytes[start ..< min(start + 255, bytes.count)]
            out.append(UInt8(block.count))
            out.append(contentsOf: block)
        }
        out.append(0)
        return out
    }
}
