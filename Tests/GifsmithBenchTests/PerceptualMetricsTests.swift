import Foundation
import XCTest
@testable import GifsmithBench

/// libjxl's butteraugli and ssimulacra in the bench. The parsing and failure handling run
/// everywhere; the scores need Debian's `libjxl-devtools` (and the ffmpeg CLI for the clip).
final class PerceptualMetricsTests: XCTestCase {
    private static let skipMessage = "butteraugli_main/ssimulacra_main are not installed (Debian package `libjxl-devtools`; `scripts/bootstrap.sh --test` installs it)"

    private func pattern(_ w: Int, _ h: Int) -> [UInt8] {
        var out: [UInt8] = []
        for y in 0..<h { for x in 0..<w { out += [UInt8((x * 9) & 255), UInt8((y * 11) & 255), UInt8((x * y * 3) & 255)] } }
        return out
    }

    private func installedTools() throws -> PerceptualTools {
        let tools = PerceptualTools.find()
        guard tools.butteraugli != nil, tools.ssimulacra != nil else { throw XCTSkip(Self.skipMessage) }
        return tools
    }

    func testParsesTheToolsOutputAndRejectsAnythingElse() throws {
        // libjxl 0.7's butteraugli_main prints the max-norm distance, then the 3-norm.
        let b = try PerceptualTools.parseButteraugli("25.3996105194\n3-norm: 19.398003\n")
        XCTAssertEqual(b.maxNorm, 25.3996105194)
        XCTAssertEqual(b.pNorm3, 19.398003)
        XCTAssertThrowsError(try PerceptualTools.parseButteraugli(""))
        XCTAssertEqual(try PerceptualTools.parseSsimulacra("0.23670841\n"), 0.23670841)
        // ssimulacra_main refuses small images on stdout with exit status 0: that is no score.
        XCTAssertThrowsError(try PerceptualTools.parseSsimulacra("Minimum image size is 8x8 pixels\n"))
        XCTAssertEqual(PPMWriter.encode(rgb: [1, 2, 3, 4, 5, 6], width: 2, height: 1), Array("P6\n2 1\n255\n".utf8) + [1, 2, 3, 4, 5, 6])
    }

    func testAToolThatFailsLeavesItsColumnEmptyWithANote() {
        // /bin/false fails; echo prints its arguments, which are no score. Neither may become a number.
        let scorer = PerceptualScorer(tools: PerceptualTools(butteraugli: "/bin/false", ssimulacra: "/bin/echo"))
        let img = pattern(16, 16)
        let frame = scorer.add(reference: img, output: img, width: 16, height: 16)
        XCTAssertEqual(frame, PerceptualFrameScore())
        XCTAssertEqual(scorer.means(), PerceptualFrameScore())
        XCTAssertEqual(scorer.notes.count, 2, "\(scorer.notes)")
        XCTAssertEqual(PerceptualTools.none.missingNotes.count, 2)
        XCTAssertTrue(PerceptualTools.none.missingNotes.allSatisfy { $0.contains("libjxl-devtools") })
    }

    func testIdenticalPairIsPerfectAndTinyFramesAreNotScored() throws {
        let tools = try installedTools()
        let img = pattern(64, 48)
        let scorer = PerceptualScorer(tools: tools)
        let same = scorer.add(reference: img, output: img, width: 64, height: 48)
        XCTAssertEqual(try XCTUnwrap(same.butteraugli), 0, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(same.butteraugli3Norm), 0, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(same.ssimulacra), 0, accuracy: 1e-6)
        // Every sample 10 levels up is a visible change: clearly above 0 on both.
        let brighter = img.map { UInt8(min(255, Int($0) + 10)) }
        let off = scorer.add(reference: img, output: brighter, width: 64, height: 48)
        XCTAssertGreaterThan(try XCTUnwrap(off.butteraugli), 1)
        XCTAssertGreaterThan(try XCTUnwrap(off.ssimulacra), 0.001)
        XCTAssertTrue(scorer.notes.isEmpty, "\(scorer.notes)")
        // Below 8x8 butteraugli answers 0 (a fake perfect score) and ssimulacra refuses: no values.
        let tiny = PerceptualScorer(tools: tools)
        let t = pattern(7, 5)
        _ = tiny.add(reference: t, output: t.map { $0 / 2 }, width: 7, height: 5)
        XCTAssertEqual(tiny.means(), PerceptualFrameScore())
        XCTAssertFalse(tiny.notes.isEmpty)
    }

    func testFourColoursScoreWorseThan256AndTheReportCarriesTheColumns() throws {
        _ = try installedTools()
        guard let ffmpeg = ExternalTools.find("ffmpeg") else { throw XCTSkip("the ffmpeg CLI makes the test clip; not installed") }
        let dir = NSTemporaryDirectory() + "qbench-perceptual-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = "\(dir)/pattern.mp4"
        try ExternalTools.run(ffmpeg, ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=0.2",
                                       "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", clip])
        func bench(colors: Int) throws -> BenchRow {
            let options = BenchOptions(clips: [clip], reportDirectory: "\(dir)/c\(colors)", quantizers: [.medianCut], dithers: [.none],
                                       colors: colors, width: nil, framesSampled: 2)
            let report = try BenchRunner(options: options).run()
            XCTAssertFalse(report.notes.contains { $0.contains("libjxl") }, "\(report.notes)")
            return try XCTUnwrap(report.rows.first)
        }
        let good = try bench(colors: 256), poor = try bench(colors: 4)
        for row in [good, poor] {
            XCTAssertEqual(row.perFrame.count, 2)
            XCTAssertTrue(row.perFrame.allSatisfy { $0.butteraugli != nil && $0.ssimulacra != nil })
        }
        XCTAssertGreaterThan(try XCTUnwrap(poor.butteraugli), try XCTUnwrap(good.butteraugli) + 1)
        XCTAssertGreaterThan(try XCTUnwrap(poor.butteraugli3Norm), try XCTUnwrap(good.butteraugli3Norm))
        XCTAssertGreaterThan(try XCTUnwrap(poor.ssimulacra), try XCTUnwrap(good.ssimulacra))

        // CSV: the columns by name, each a number.
        let lines = try String(contentsOfFile: "\(dir)/c4/results.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        for column in ["butteraugli", "butteraugli_3norm", "ssimulacra"] {
            let i = try XCTUnwrap(lines[0].firstIndex(of: column), "results.csv lacks \(column)")
            XCTAssertNotNil(Double(lines[1][i]), "\(column) = '\(lines[1][i])'")
        }
        // JSON: numbers under the row's keys, and the same row back.
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/c4/results.json"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let row = try XCTUnwrap((object["rows"] as? [[String: Any]])?.first)
        for key in ["butteraugli", "butteraugli3Norm", "ssimulacra"] { XCTAssertTrue(row[key] is NSNumber, "results.json \(key): \(String(describing: row[key]))") }
        XCTAssertEqual(try JSONDecoder().decode(BenchReport.self, from: data).rows, [poor])
        let html = try String(contentsOfFile: "\(dir)/c4/index.html", encoding: .utf8)
        XCTAssertTrue(html.contains("data-metric=\"butteraugli\""), "index.html lacks the butteraugli plot")
    }

    func testWithoutTheMetricsTheColumnsAreEmptyNotZero() throws {
        guard let ffmpeg = ExternalTools.find("ffmpeg") else { throw XCTSkip("the ffmpeg CLI makes the test clip; not installed") }
        let dir = NSTemporaryDirectory() + "qbench-noperceptual-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = "\(dir)/pattern.mp4"
        try ExternalTools.run(ffmpeg, ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=32x32:rate=25:duration=0.12",
                                       "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", clip])
        let options = BenchOptions(clips: [clip], reportDirectory: "\(dir)/r", quantizers: [.medianCut], dithers: [.none],
                                   width: nil, framesSampled: 1, perceptual: false)
        let report = try BenchRunner(options: options).run()
        let row = try XCTUnwrap(report.rows.first)
        XCTAssertNil(row.butteraugli)
        XCTAssertNil(row.ssimulacra)
        XCTAssertTrue(report.notes.contains { $0.contains("--no-perceptual") })
        let lines = try String(contentsOfFile: "\(dir)/r/results.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(lines[1][try XCTUnwrap(lines[0].firstIndex(of: "butteraugli"))], "")
        let html = try String(contentsOfFile: "\(dir)/r/index.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<td>n/a</td>"))
        XCTAssertFalse(html.contains("data-metric=\"butteraugli\""))
    }
}
