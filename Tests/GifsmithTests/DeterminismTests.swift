import Foundation
import XCTest

/// Same input and options give the same bytes, whatever the thread count, today and tomorrow.
final class DeterminismTests: XCTestCase {
    /// Lossless sources (y4m, FFV1) so the input frames themselves are exactly reproducible.
    private func makeSources(_ dir: Scratch) throws -> [String: String] {
        let a = dir.file("testsrc2.y4m")
        try makeClip(a, lavfi: "testsrc2=size=200x150:rate=10:duration=1", ["-pix_fmt", "yuv420p"])
        let b = dir.file("gradient.mkv")
        try makeClip(b, lavfi: "gradients=size=160x120:rate=10:duration=1:c0=0x203060:c1=0xf0a040:seed=7:speed=0.05",
                     ["-pix_fmt", "yuv444p", "-c:v", "ffv1"])
        return ["testsrc2": a, "gradient": b]
    }

    func testThreadCountDoesNotChangeBytes() throws {
        let dir = try Scratch()
        for (_, clip) in try makeSources(dir) {
            for args in [["--dither", "sierra-2-4a"], ["--dither", "bayer", "--palette", "per-frame"], ["--dither", "atkinson", "--width", "97"]] {
                var hashes = Set<String>()
                for threads in ["1", "2", "5"] {
                    let gif = dir.file("t\(threads).gif")
                    let r = try gifsmith(["convert", clip, "-o", gif, "--threads", threads, "--quiet"] + args)
                    XCTAssertEqual(r.status, 0, r.stderr)
                    hashes.insert(try sha256(gif))
                }
                XCTAssertEqual(hashes.count, 1, "\(clip) \(args)")
            }
        }
    }

    /// Golden SHA-256 of a few outputs. A change here means every user's GIF changed: bump these only
    /// with a deliberate change of the algorithms, and say so in the commit.
    func testGoldenHashes() throws {
        let dir = try Scratch()
        let sources = try makeSources(dir)
        let cases: [(String, [String], String)] = [
            ("testsrc2", ["--width", "120"], Golden.testsrc2Width120),
            ("testsrc2", ["--palette", "per-frame", "--dither", "floyd-steinberg", "--colors", "32"], Golden.testsrc2PerFrameFS32),
            ("gradient", ["--dither", "bayer", "--colors", "64"], Golden.gradientBayer64),
        ]
        for (name, args, expected) in cases {
            let gif = dir.file("golden.gif")
            let r = try gifsmith(["convert", sources[name]!, "-o", gif, "--quiet"] + args)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try sha256(gif), expected, "\(name) \(args)")
        }
    }
}

enum Golden {
    static let testsrc2Width120 = "ae680297dbd851ced9b9c343012e56404683f553da431d5c0a7a3c6ec20d8a62"
    static let testsrc2PerFrameFS32 = "df4dcd604576be789f652a281e283a07cc3c99a36f9db252ac073ffee496178e"
    static let gradientBayer64 = "09dad2fbff1c8543f7d0bc0b10a9fed8c450959ae22fe223c057ddc890190f2c"
}
