import Foundation
import GifsmithCore
import GifsmithMedia
import XCTest

final class BadInputTests: XCTestCase {
    static let fx = Fixtures("bad")
    override class func tearDown() { fx.remove() }
    var fx: Fixtures { Self.fx }

    func testMissingFile() {
        let p = fx.path("nope.mp4")
        assertMediaError(p, { _ = try MediaProbe.probe(p) }) { $0 == .fileNotFound(path: p) }
        assertMediaError(p, { _ = try VideoDecoder(path: p) }) { $0 == .fileNotFound(path: p) }
        XCTAssertEqual(MediaError.fileNotFound(path: "clip.mp4").description, "clip.mp4: no such file. Check the path.")
    }

    func testEmptyFile() throws {
        let p = fx.path("empty.mp4")
        XCTAssertTrue(FileManager.default.createFile(atPath: p, contents: Data()))
        assertMediaError(p, { _ = try MediaProbe.probe(p) }) { $0 == .emptyFile(path: p) }
    }

    func testDirectory() throws {
        let p = fx.path("adir.mp4")
        try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        assertMediaError(p, { _ = try MediaProbe.probe(p) }) {
            if case .unreadable = $0 { return true } else { return false }
        }
    }

    func testNoPermission() throws {
        try XCTSkipIf(getuid() == 0, "root reads everything")
        let p = try fx.clip("locked.mp4", seconds: 0.2, ["-c:v", "libx264"])
        chmod(p, 0)
        defer { chmod(p, 0o644) }
        assertMediaError(p, { _ = try MediaProbe.probe(p) }) {
            if case .unreadable = $0 { return true } else { return false }
        }
    }

    func testTextFiles() throws {
        for name in ["notes.txt", "notes.mp4", "notes"] {
            let p = fx.path(name)
            try "hello world\nthis is not a video\n".write(toFile: p, atomically: true, encoding: .utf8)
            assertMediaError(p, { _ = try MediaProbe.probe(p) }) {
                if case .notMedia = $0 { return true } else { return false }
            }
        }
    }

    func testAudioOnly() throws {
        for name in ["tone.m4a", "tone.wav"] {
            let p = try fx.make(name, ["-f", "lavfi", "-i", "sine=d=0.3"])
            assertMediaError(p, { _ = try MediaProbe.probe(p) }) { $0 == .noVideoStream(path: p) }
        }
    }

    func testUnknownCodec() throws {
        let mp4 = try fx.clip("for_avi.mp4", seconds: 0.2, ["-c:v", "libx264"])
        let avi = try fx.make("for_avi.avi", ["-i", mp4, "-c", "copy"])
        // Overwrite the codec tag so FFmpeg has no idea what the stream is.
        let data = try Data(contentsOf: URL(fileURLWithPath: avi))
        var bytes = [UInt8](data)
        let tag = Array("avc1".utf8)
        var replaced = 0
        for i in 0..<(bytes.count - 3) where Array(bytes[i..<(i + 4)]) == tag {
            bytes.replaceSubrange(i..<(i + 4), with: Array("QQQQ".utf8))
            replaced += 1
        }
        XCTAssertGreaterThan(replaced, 0)
        let p = fx.path("unknown.avi")
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        assertMediaError(p, { _ = try MediaProbe.probe(p) }) {
            guard case let .unsupportedCodec(_, codec) = $0 else { return false }
            return codec.contains("QQQQ")
        }
    }

    func testTruncatedMP4WithIndexAtTheEndIsCorrupt() throws {
        let full = try fx.clip("whole.mp4", seconds: 2, ["-c:v", "libx264"])
        let p = try halve(full, into: "half_noindex.mp4")
        assertMediaError(p, { _ = try VideoDecoder(path: p) }) {
            if case .corrupt = $0 { return true } else { return false }
        }
    }

    func testTruncatedFaststartMP4KeepsTheDecodablePart() throws {
        // Big enough that the index is a small part of the file and half the frames survive.
        let full = try fx.clip("whole_fs.mp4", size: "320x240", seconds: 2, ["-c:v", "libx264", "-movflags", "+faststart"])
        let p = try halve(full, into: "half_fs.mp4")
        let d = try VideoDecoder(path: p)
        XCTAssertEqual(d.info.estimatedFrameCount, 50, "the index still lists every frame")
        var frames: [PlanarFrame] = []
        while let f = try d.nextFrame() { frames.append(f) }
        XCTAssertGreaterThan(frames.count, 5)
        XCTAssertLessThan(frames.count, 50)
        XCTAssertTrue(d.warnings.contains { $0.contains("truncated") && $0.contains(p) }, "\(d.warnings)")
        // What was kept is what FFmpeg itself decodes from the same bytes.
        XCTAssertLessThanOrEqual(abs(frames.count - (try Fixtures.frameCount(p))), 1)
    }

    func testGarbageAfterAValidHeaderIsCorrupt() throws {
        let full = try fx.clip("garble_src.mp4", seconds: 1, ["-c:v", "libx264", "-movflags", "+faststart"])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: full)))
        // Scramble the sample data (everything inside mdat) deterministically; the index stays valid.
        let mdat = try XCTUnwrap(findBox("mdat", in: bytes))
        var x: UInt32 = 12345
        for i in (mdat + 8)..<bytes.count {
            x = x &* 1_103_515_245 &+ 12345
            bytes[i] = UInt8(truncatingIfNeeded: x >> 16)
        }
        let p = fx.path("garbled.mp4")
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        assertMediaError(p, { _ = try decodeAll(p) }) {
            guard case let .corrupt(_, detail) = $0 else { return false }
            return detail.contains("failed to decode")
        }
    }

    private func halve(_ src: String, into name: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: src))
        let p = fx.path(name)
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: p))
        return p
    }

    private func findBox(_ type: String, in bytes: [UInt8]) -> Int? {
        let t = Array(type.utf8)
        var i = 0
        while i + 8 <= bytes.count {
            let size = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            if Array(bytes[(i + 4)..<(i + 8)]) == t { return i }
            guard size >= 8 else { return nil }
            i += size
        }
        return nil
    }
}
