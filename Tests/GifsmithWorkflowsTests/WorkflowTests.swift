import Foundation
import Gifsmith
import GifsmithAPI
import GifsmithGIF
import GifsmithStandIn
import GifsmithWorkflows
import XCTest

final class WorkflowTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "gifsmith-wf-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func offline(_ configure: (inout StandInOptions) -> Void = { _ in }) throws -> ServiceSession {
        var s = StandInOptions(videoFPS: 4, maxVideoSide: 160)
        configure(&s)
        let http = HTTPClient(connectTimeout: 2, timeout: 10, stallTimeout: 1, retry: RetryPolicy(maxAttempts: 3, initialDelay: 0.01, maxDelay: 0.05))
        return try ServiceSession(ServiceConfig(http: http, poll: PollPolicy(deadline: 20, initialInterval: 0.01, maxInterval: 0.05),
                                                offline: true, standIn: s))
    }

    func gif(_ path: String) throws -> GIFImage { try GIFReader.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))) }

    /// FFmpeg's GIF decoder (independent of ours) counts the frames.
    func ffmpegFrames(_ path: String) -> Int? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
        p.arguments = ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        return Int(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func png(_ name: String, _ w: Int = 320, _ h: Int = 320) throws -> String {
        let p = dir + "/" + name
        _ = FileManager.default.createFile(atPath: p, contents: try MediaEncoders.png(PromptPainter.paint(prompt: "blue circles on gold", width: w, height: h)))
        return p
    }

    func testBannerSizePicking() {
        XCTAssertEqual(Banner.imageSize(forWidth: 1200, height: 300).width, 1440)
        XCTAssertEqual(Banner.imageSize(forWidth: 1200, height: 300).height, 576)
        let s = Banner.imageSize(forWidth: 1920, height: 1080)
        XCTAssertEqual(s.width % 32, 0)
        XCTAssertEqual(s.height % 32, 0)
        XCTAssertEqual(Double(s.width) / Double(s.height), 16.0 / 9.0, accuracy: 0.03)
        let square = Banner.imageSize(forWidth: 10, height: 10)
        XCTAssertEqual([square.width, square.height], [1536, 1536])
    }

    func testBannerExactSizeAndSeamlessLoop() throws {
        let session = try offline()
        let out = dir + "/banner.gif"
        var steps: [String] = []
        var statuses: [String] = []
        let r = try Banner.run(BannerOptions(prompt: "slightly dim banner with abstract lines, coral, yellow and magenta", width: 240, height: 60,
                                             output: out, gif: GIFSettings(fps: FrameRate(4), backend: .cpu)), session: session) { e in
            if case let .step(s) = e { steps.append(s) }
            if case let .job(_, s, _) = e { statuses.append(s) }
        }
        XCTAssertEqual(r.outputs, [out])
        let g = try gif(out)
        XCTAssertEqual([g.width, g.height], [240, 60])
        XCTAssertEqual(g.loopCount, 0, "loops forever")
        XCTAssertEqual(g.frames.count, 20)
        XCTAssertEqual(ffmpegFrames(out), 20)
        XCTAssertLessThan(r.loopDifference ?? 99, 8, "first and last frames match")
        XCTAssertTrue(steps.first?.contains("1440x576") ?? false, "\(steps)")
        XCTAssertEqual(statuses, ["queued", "generating", "completed"])
        // The animation really moves: a middle frame differs from the first.
        let mid = g.frames[10].rgb, first = g.frames[0].rgb
        var d = 0
        for i in 0..<first.count { d += abs(Int(mid[i]) - Int(first[i])) }
        XCTAssertGreaterThan(Double(d) / Double(first.count), 1.0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["banner.gif"], "no temporary files")
    }

    func testBannerBadSize() throws {
        XCTAssertThrowsError(try Banner.run(BannerOptions(prompt: "x", width: 0, height: 60, output: dir + "/b.gif"), session: try offline())) {
            XCTAssertEqual(($0 as? WorkflowError)?.category, .usage)
        }
    }

    func testAnimateWritesPromptAndGIF() throws {
        let session = try offline()
        let out = dir + "/raccoon.gif", mp4 = dir + "/raccoon.mp4"
        let r = try Animate.run(AnimateOptions(image: try png("raccoon.png"), output: out, loop: true,
                                               gif: GIFSettings(fps: FrameRate(4), width: 80, backend: .cpu), videoOutput: mp4), session: session)
        XCTAssertEqual(r.outputs, [out, mp4])
        XCTAssertTrue(r.prompt?.lowercased().contains("loop") ?? false)
        let g = try gif(out)
        XCTAssertEqual(g.width, 80)
        XCTAssertEqual(ffmpegFrames(out), 20)
        XCTAssertLessThan(r.loopDifference ?? 99, 8)
    }

    func testAnimateUnreadableImage() throws {
        let bad = dir + "/bad.png"
        _ = FileManager.default.createFile(atPath: bad, contents: Data("not an image".utf8))
        XCTAssertThrowsError(try Animate.run(AnimateOptions(image: bad, output: dir + "/o.gif"), session: try offline())) {
            XCTAssertEqual(($0 as? WorkflowError)?.category, .usage)
            XCTAssertTrue("\($0)".contains("not a PNG or JPEG"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/o.gif"))
    }

    func testTemplateMP4AndGIF() throws {
        let session = try offline()
        let mp4 = dir + "/ad.mp4", g = dir + "/ad.gif"
        let r = try TemplateAd.run(TemplateOptions(image: try png("logo.png"), template: "Times Square Billboard", output: mp4, gifOutput: g,
                                                   gif: GIFSettings(fps: FrameRate(4), width: 120, backend: .cpu)), session: session)
        XCTAssertEqual(r.outputs, [mp4, g])
        XCTAssertEqual(ffmpegFrames(mp4), 20)
        XCTAssertEqual(try gif(g).width, 120)
    }

    func testUnknownTemplate() throws {
        XCTAssertThrowsError(try TemplateAd.run(TemplateOptions(image: try png("logo.png"), template: "Times Square(66)", output: dir + "/a.mp4"),
                                                session: try offline())) {
            XCTAssertEqual(($0 as? WorkflowError)?.category, .usage)
            XCTAssertTrue("\($0)".contains("New York Times Square (66)"))
        }
    }

    func testTextToGIF() throws {
        let out = dir + "/landscape.gif"
        let r = try TextToGIF.run(TextToGIFOptions(prompt: "Beautiful landscape", output: out), session: try offline())
        XCTAssertEqual(r.outputs, [out])
        XCTAssertGreaterThan(try gif(out).frames.count, 1)
        XCTAssertGreaterThan(ffmpegFrames(out) ?? 0, 1)
    }

    func testMissingKeyOnline() throws {
        let config = try ServiceConfig.fromEnvironment(environment: [:])
        let session = try ServiceSession(config)
        XCTAssertThrowsError(try Banner.run(BannerOptions(prompt: "x", width: 100, height: 50, output: dir + "/b.gif"), session: session)) {
            XCTAssertEqual(($0 as? WorkflowError)?.category, .credentials)
            XCTAssertTrue("\($0)".contains("AIMLAPI_KEY"))
        }
        XCTAssertThrowsError(try TextToGIF.run(TextToGIFOptions(prompt: "x", output: dir + "/t.gif"), session: session)) {
            XCTAssertTrue("\($0)".contains("VISIONCRAFT_TOKEN"))
        }
    }

    func testRemoteFailureLeavesNoOutput() throws {
        let session = try offline()
        session.standIn!.inject(.jobErrorDetail, on: .videoPoll)
        let out = dir + "/x.gif"
        XCTAssertThrowsError(try Animate.run(AnimateOptions(image: try png("in.png"), output: out, prompt: "p"), session: session)) {
            XCTAssertEqual(($0 as? WorkflowError)?.category, .remote)
            XCTAssertTrue("\($0)".contains("Could not detect face"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["in.png"])
    }
}
