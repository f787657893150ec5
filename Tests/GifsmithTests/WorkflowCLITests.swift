import Foundation
import XCTest

/// The workflow commands as a user types them, against the in-process stand-in (--offline).
final class WorkflowCLITests: XCTestCase {
    func testOfflineBannerHasTheExactSizeAndLoopsForever() throws {
        let dir = try Scratch()
        let gif = dir.file("banner.gif")
        let r = try gifsmith(["banner", "--prompt", "coral, yellow and magenta lines", "--size", "240x60", "-o", gif, "--offline", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let decoded = try decodeWithFFmpeg(gif)
        XCTAssertEqual(decoded.width, 240)
        XCTAssertEqual(decoded.height, 60)
        XCTAssertGreaterThan(decoded.frames.count, 5)
        let last = try XCTUnwrap(r.text.split(separator: "\n").last)
        let event = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
        XCTAssertEqual(event?["event"] as? String, "finished")
        XCTAssertEqual(event?["outputs"] as? [String], [gif])
    }

    func testMissingKeyIsExit77AndWritesNothing() throws {
        let dir = try Scratch()
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "AIMLAPI_KEY")
        let r = try runProcess(gifsmithBinary, ["banner", "--prompt", "x", "--size", "240x60", "-o", dir.file("b.gif")], environment: env)
        XCTAssertEqual(r.status, 77, r.stderr)
        XCTAssertTrue(r.stderr.contains("AIMLAPI_KEY"), r.stderr)
        XCTAssertEqual(dir.contents, [])
    }

    func testUnknownTemplateIsAUsageError() throws {
        let dir = try Scratch()
        let png = dir.file("logo.png")
        try makeClip(png, lavfi: "color=c=orange:size=400x400", ["-frames:v", "1"])
        let r = try gifsmith(["template", "--image", png, "--template", "Times Square(66)", "-o", dir.file("ad.mp4"), "--offline"])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("New York Times Square (66)"), "suggests the exact spelling (the seed's caption lacks the space): \(r.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("ad.mp4")))
    }
}
