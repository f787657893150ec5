import Foundation
import GifsmithMedia
import XCTest

/// Decode throughput on a 1080p30 H.264 clip, next to FFmpeg's own CLI on the same file.
/// Measures only (speed is never asserted): run with GIFSMITH_MEDIA_BENCH=1, in release.
final class DecodeSpeedTests: XCTestCase {
    func testDecodeSpeed1080p() throws {
        guard let seconds = ProcessInfo.processInfo.environment["GIFSMITH_MEDIA_BENCH"].flatMap(Double.init) else {
            throw XCTSkip("set GIFSMITH_MEDIA_BENCH=<seconds of video> to measure decode speed")
        }
        let fx = Fixtures("bench")
        defer { fx.remove() }
        let p = try fx.clip("1080p.mp4", size: "1920x1080", rate: 30, seconds: seconds,
                            ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"])
        let expected = Int((seconds * 30).rounded())

        var ours = Double.infinity
        for _ in 0..<3 {
            let t0 = Date()
            let d = try VideoDecoder(path: p)
            var n = 0
            while try d.nextFrame() != nil { n += 1 }
            ours = min(ours, Date().timeIntervalSince(t0))
            XCTAssertEqual(n, expected)
        }
        var theirs = Double.infinity
        for _ in 0..<3 {
            let t0 = Date()
            try Fixtures.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", p, "-f", "null", "-"])
            theirs = min(theirs, Date().timeIntervalSince(t0))
        }
        print(String(format: "decode 1920x1080 H.264, %d frames: VideoDecoder %.1f fps (%.2f s), ffmpeg -f null %.1f fps (%.2f s)",
                     expected, Double(expected) / ours, ours, Double(expected) / theirs, theirs))
    }
}
