import Foundation
import Gifsmith
import GifsmithCore
import GifsmithGIF
import XCTest
@testable import GifsmithBench

final class BenchRunTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        guard ExternalTools.find("ffmpeg") != nil else { throw XCTSkip("the ffmpeg CLI makes the test clips; not installed") }
        dir = NSTemporaryDirectory() + "qbench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    private func makeClip(_ name: String, _ source: String, codec: [String] = ["-c:v", "libx264", "-pix_fmt", "yuv420p"]) throws -> String {
        let path = "\(dir)/\(name)"
        try ExternalTools.run(ExternalTools.find("ffmpeg")!, ["-nostdin", "-v", "error", "-f", "lavfi", "-i", source] + codec + ["-y", path])
        return path
    }

    func testMatrixOnTestsrc2WritesRowsPlotsAndSaneScores() throws {
        let clip = try makeClip("moving.mp4", "testsrc2=size=64x48:rate=25:duration=0.5")
        let options = BenchOptions(clips: [clip], reportDirectory: "\(dir)/report", quantizers: [.medianCut, .wu],
                                   dithers: [.none, .sierra24a], lossy: [0], width: nil, framesSampled: 4,
                                   references: ["ffmpeg", "gifsicle"], colorSpaces: [.rgb, .oklab])
        let report = try BenchRunner(options: options).run()

        let csv = try String(contentsOfFile: "\(dir)/report/results.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], ReportWriter.csvHeader)
        let gifsmithRows = lines.dropFirst().filter { $0.hasPrefix("moving,gifsmith,") }
        let settings = Set(gifsmithRows.map { $0.split(separator: ",").dropFirst(2).prefix(4).joined(separator: ",") })
        XCTAssertEqual(settings, Set(["median-cut", "wu"].flatMap { q in ["none", "sierra-2-4a"].flatMap { d in ["rgb", "oklab"].map { "\(q),\(d),\($0),0" } } }))
        XCTAssertTrue(report.rows.contains { $0.setting == "wu/none/oklab" })
        XCTAssertEqual(lines.count - 1, report.rows.count)
        XCTAssertTrue(report.rows.contains { $0.tool == "ffmpeg" }, "ffmpeg is installed, so its reference row is expected")
        if ExternalTools.find("gifsicle") == nil {
            XCTAssertTrue(report.notes.contains { $0.contains("gifsicle is not installed") })
        } else {
            XCTAssertTrue(report.rows.contains { $0.tool == "gifsicle" && $0.lossy == 40 })
        }

        for row in report.rows {
            XCTAssertEqual(row.width, 64)
            XCTAssertEqual(row.height, 48)
            XCTAssertEqual(row.framesScored, 4, row.setting)
            // 256 colours on a 64x48 test pattern: close, but not exact.
            XCTAssertTrue((24...99).contains(row.psnr), "\(row.setting) PSNR \(row.psnr)")
            XCTAssertTrue((0.7...0.9999).contains(row.ssim), "\(row.setting) SSIM \(row.ssim)")
            XCTAssertGreaterThan(row.bytes, 500)
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/report/\(row.gif)"))
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/report/\(row.crop!)"))
            if row.tool == "gifsmith" {
                // 25 fps keeps every frame at 4 cs: GIF frame k is source frame k.
                XCTAssertEqual(row.frames, 13)
                for p in row.perFrame { XCTAssertEqual(p.sourceFrame, p.gifFrame) }
            }
        }
        // Pairing must matter: the last GIF frame against the first source frame of the moving
        // pattern scores clearly worse than against its own.
        let r0 = report.rows[0]
        let gif = try GIFReader.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/report/\(r0.gif)"))))
        let refs = try ReferenceClip(path: clip).frames([0, 12], size: PixelSize(width: 64, height: 48))
        let own = ImageMetrics.ssim(gif.frames[12].rgb, refs[12]!.pixels, width: 64, height: 48)
        let wrong = ImageMetrics.ssim(gif.frames[12].rgb, refs[0]!.pixels, width: 64, height: 48)
        XCTAssertEqual(own, r0.perFrame.last!.ssim, accuracy: 1e-12)
        XCTAssertLessThan(wrong, own - 0.005)
        let ownMSE = ImageMetrics.mse(gif.frames[12].rgb, refs[12]!.pixels)
        XCTAssertGreaterThan(ImageMetrics.mse(gif.frames[12].rgb, refs[0]!.pixels), 1.5 * ownMSE)

        let html = try String(contentsOfFile: "\(dir)/report/index.html", encoding: .utf8)
        for needle in ["<svg class=\"plot scatter\"", "<svg class=\"plot speed\"", "<svg class=\"plot perframe\"", "<polyline", "crops/moving-reference.bmp"] {
            XCTAssertTrue(html.contains(needle), "index.html lacks \(needle)")
        }
        XCTAssertFalse(html.contains("<script"), "the report must need no scripts")
        XCTAssertFalse(html.contains("http://") && html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
        let json = try JSONDecoder().decode(BenchReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(dir)/report/results.json")))
        XCTAssertEqual(json.rows, report.rows)
    }

    func testReportRendersInHeadlessChromium() throws {
        guard let chromium = ExternalTools.find("chromium") ?? ExternalTools.find("chromium-browser") else {
            throw XCTSkip("chromium is not installed (Debian package `chromium`); the report's content is checked as text by the matrix test")
        }
        let clip = try makeClip("shot.mp4", "testsrc2=size=64x48:rate=25:duration=0.3")
        let options = BenchOptions(clips: [clip], reportDirectory: "\(dir)/report", quantizers: [.medianCut, .wu],
                                   dithers: [.none, .sierra24a], width: nil, framesSampled: 3)
        _ = try BenchRunner(options: options).run()
        try renderInChromium(chromium, "\(dir)/report/index.html")
    }

    func testFrameRateGridPairsGIFFramesWithTheFrameShownAtGridTime() throws {
        let clip = try makeClip("grid.mp4", "testsrc2=size=64x48:rate=25:duration=0.8")
        let options = BenchOptions(clips: [clip], reportDirectory: "\(dir)/report", quantizers: [.medianCut], dithers: [.none],
                                   width: 32, fps: FrameRate(10), framesSampled: 0, perceptual: false)
        let report = try BenchRunner(options: options).run()
        let row = try XCTUnwrap(report.rows.first)
        XCTAssertEqual(row.width, 32)
        XCTAssertEqual(row.height, 24)
        XCTAssertEqual(row.frames, 8)
        // Grid time k/10 s shows source frame floor(2.5 k) of the 25 fps clip.
        XCTAssertEqual(row.perFrame.map(\.sourceFrame), [0, 2, 5, 7, 10, 12, 15, 17])
    }

    func testStaticClipHasNoFlickerWithoutDither() throws {
        // Lossless, so every decoded source frame is identical and every pixel is static.
        let clip = try makeClip("static.mkv", "smptebars=size=64x48:rate=25:duration=0.4", codec: ["-c:v", "ffv1", "-pix_fmt", "yuv420p"])
        let options = BenchOptions(clips: [clip], reportDirectory: "\(dir)/report", quantizers: [.medianCut], dithers: [.none],
                                   width: nil, framesSampled: 0, perceptual: false)
        let report = try BenchRunner(options: options).run()
        let row = try XCTUnwrap(report.rows.first)
        XCTAssertEqual(row.flicker, 0)
        // And flicker is not vacuous: the moving pattern, dithered, does show changes where it is still.
        let moving = try makeClip("half.mkv", "testsrc2=size=64x48:rate=25:duration=0.4", codec: ["-c:v", "ffv1", "-pix_fmt", "yuv420p"])
        let r2 = try BenchRunner(options: BenchOptions(clips: [moving], reportDirectory: "\(dir)/report2", quantizers: [.medianCut],
                                                       dithers: [.sierra24a], width: nil, framesSampled: 0, perceptual: false)).run()
        XCTAssertNotNil(r2.rows.first?.flicker)
    }

    /// Renders the report in headless Chromium and checks the screenshot is not blank.
    private func renderInChromium(_ chromium: String, _ html: String) throws {
        let shot = "\(dir)/shot.png"
        try ExternalTools.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,1400",
                                         "--screenshot=\(shot)", "file://\(html)"])
        let raw = "\(dir)/shot.gray"
        try ExternalTools.run(ExternalTools.find("ffmpeg")!, ["-v", "error", "-i", shot, "-f", "rawvideo", "-pix_fmt", "gray", "-y", raw])
        let px = try [UInt8](Data(contentsOf: URL(fileURLWithPath: raw)))
        XCTAssertFalse(px.isEmpty)
        let mean = px.reduce(0.0) { $0 + Double($1) } / Double(px.count)
        let variance = px.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(px.count)
        XCTAssertGreaterThan(variance, 50, "the screenshot looks blank")
    }
}
