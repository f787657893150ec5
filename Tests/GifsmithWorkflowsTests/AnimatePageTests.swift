import Foundation
import Gifsmith
import GifsmithAPI
import GifsmithGIF
import GifsmithStandIn
@testable import GifsmithWorkflows
import GifsmithCore
import XCTest

final class AnimatePageTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "gifsmith-page-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/site/images", withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func offline() throws -> ServiceSession {
        let http = HTTPClient(connectTimeout: 2, timeout: 10, stallTimeout: 1, retry: RetryPolicy(maxAttempts: 3, initialDelay: 0.01, maxDelay: 0.05))
        return try ServiceSession(ServiceConfig(http: http, poll: PollPolicy(deadline: 20, initialInterval: 0.01, maxInterval: 0.05),
                                                offline: true, standIn: StandInOptions(videoFPS: 4, maxVideoSide: 160)))
    }

    func options(_ page: String, force: Bool = false) -> AnimatePageOptions {
        AnimatePageOptions(input: page, outputDirectory: dir + "/out", gif: GIFSettings(fps: FrameRate(4), width: 80, backend: .cpu), force: force)
    }

    @discardableResult
    func png(_ rel: String, _ prompt: String, _ w: Int = 320, _ h: Int = 320) throws -> String {
        let p = dir + "/site/" + rel
        XCTAssertTrue(FileManager.default.createFile(atPath: p, contents: try MediaEncoders.png(PromptPainter.paint(prompt: prompt, width: w, height: h))))
        return p
    }

    func write(_ rel: String, _ text: String) -> String {
        let p = dir + "/" + rel
        XCTAssertTrue(FileManager.default.createFile(atPath: p, contents: Data(text.utf8)))
        return p
    }

    func read(_ path: String) throws -> String { String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self) }

    /// Python's html.parser (independent of ours and of libxml2): every <img>'s src, in order.
    func pythonImgSources(_ path: String) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", """
            import sys, html.parser
            class P(html.parser.HTMLParser):
                def handle_starttag(self, tag, attrs):
                    if tag == 'img': print(dict(attrs).get('src'))
            P().feed(open(sys.argv[1], encoding='utf-8').read())
            """, path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func assertGIF(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let g = try GIFReader.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        XCTAssertEqual(g.width, 80, file: file, line: line)
        XCTAssertEqual(g.frames.count, 20, file: file, line: line)
    }

    static let htmlPage = """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>Raccoons &amp; friends</title></head>
        <body>
        <h1>What Are Raccoons?</h1>
        <!-- <img src="commented.png"> -->
        <p>Raccoons are small, furry animals with “masks”.</p>
        <figure><img class="photo" src="images/racoons_0 (1).png" alt=""><figcaption>One</figcaption></figure>
        <p>A dot <img src=dot.png width=16 height=16> inline.</p>
        <figure><IMG alt="Raccoon" src='racoons_1.png' srcset="racoons_1.png 1x, racoons_1.png 2x"></figure>
        <img src="brand.png" class="site-logo">
        <script>var s = '<img src="x.png">';</script>
        </body></html>

        """

    func makeHTMLSite() throws -> String {
        try png("images/racoons_0 (1).png", "blue circles on gold")
        try png("racoons_1.png", "red squares on teal", 400, 320)
        try png("dot.png", "black", 16, 16)
        try png("brand.png", "magenta stripes", 320, 320)
        return write("site/page.html", AnimatePageTests.htmlPage)
    }

    func testHTMLPageTwoIllustrationsIconLeftAloneAndRerunReuses() throws {
        let page = try makeHTMLSite()
        let session = try offline()
        var steps: [String] = []
        let report = try AnimatePage.report(options(page), session: session) { e in
            if case let .step(s) = e { steps.append(s) }
        }
        XCTAssertEqual(report.page, dir + "/out/index.html")
        XCTAssertEqual(report.items.map(\.source), ["images/racoons_0 (1).png", "dot.png", "racoons_1.png", "brand.png"])
        XCTAssertEqual(report.items[0].status, .done)
        XCTAssertEqual(report.items[2].status, .done)
        XCTAssertEqual(report.items[1].status, .skipped("16x16, below --min-size 128"))
        XCTAssertEqual(report.items[3].status, .skipped("class mentions \"logo\": an icon or logo"))
        XCTAssertEqual(report.items[0].gif, "images/racoons_0__1_.gif")
        XCTAssertEqual(report.items[2].gif, "images/racoons_1.gif")
        XCTAssertEqual(report.items.map(\.line), [7, 8, 9, 10])
        XCTAssertEqual(session.standIn!.requests(on: .videoSubmit), 2)
        XCTAssertEqual(session.standIn!.requests(on: .chat), 2, "the chat model wrote each prompt")
        XCTAssertNotNil(report.items[0].prompt)

        // The page: only the two illustrations' src (and srcset) changed, every other byte kept.
        let expected = AnimatePageTests.htmlPage
            .replacingOccurrences(of: "src=\"images/racoons_0 (1).png\"", with: "src=\"images/racoons_0__1_.gif\"")
            .replacingOccurrences(of: "src='racoons_1.png' srcset=\"racoons_1.png 1x, racoons_1.png 2x\"",
                                  with: "src='images/racoons_1.gif' srcset=\"images/racoons_1.gif\"")
        XCTAssertEqual(try read(report.page), expected)
        XCTAssertEqual(try pythonImgSources(report.page), ["images/racoons_0__1_.gif", "dot.png", "images/racoons_1.gif", "brand.png"])
        for gif in ["racoons_0__1_.gif", "racoons_1.gif"] { try assertGIF(dir + "/out/images/" + gif) }
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/out/images/racoons_1.orig.png"),
                       FileManager.default.contents(atPath: dir + "/site/racoons_1.png"), "the original is kept beside")
        XCTAssertEqual(report.result.outputs.first, report.page)
        XCTAssertTrue(report.result.outputs.contains(dir + "/out/images/racoons_0__1_.orig.png"))
        XCTAssertTrue(report.result.outputs.contains(dir + "/out/" + AnimatePage.manifestName))
        let summary = steps.drop(while: { $0 != "summary:" })
        XCTAssertEqual(summary.count, 5, "\(steps)")
        XCTAssertTrue(summary.dropFirst().first?.contains("done") ?? false)
        XCTAssertTrue(summary.dropFirst(2).first?.contains("skipped (16x16") ?? false)

        // A second run: nothing new is asked of the API, the page comes out the same.
        let gifDate = try FileManager.default.attributesOfItem(atPath: dir + "/out/images/racoons_1.gif")[.modificationDate] as? Date
        let again = try AnimatePage.report(options(page), session: session)
        XCTAssertEqual(again.items.map(\.status), [.reused, .skipped("16x16, below --min-size 128"), .reused, .skipped("class mentions \"logo\": an icon or logo")])
        XCTAssertEqual(session.standIn!.requests(on: .videoSubmit), 2)
        XCTAssertEqual(session.standIn!.requests(on: .chat), 2)
        XCTAssertEqual(try read(again.page), expected)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: dir + "/out/images/racoons_1.gif")[.modificationDate] as? Date, gifDate)
        XCTAssertEqual(again.items[0].prompt, report.items[0].prompt, "the prompt comes back from the manifest")

        // A changed picture is a new key: only that one is redone, under the same name.
        try png("racoons_1.png", "green triangles on white", 400, 320)
        let changed = try AnimatePage.report(options(page), session: session)
        XCTAssertEqual(changed.items.map(\.status)[0], .reused)
        XCTAssertEqual(changed.items.map(\.status)[2], .done)
        XCTAssertEqual(changed.items[2].gif, "images/racoons_1.gif")
        XCTAssertEqual(session.standIn!.requests(on: .videoSubmit), 3)

        // --force redoes everything.
        let forced = try AnimatePage.report(options(page, force: true), session: session)
        XCTAssertEqual(forced.items.map(\.status)[0], .done)
        XCTAssertEqual(session.standIn!.requests(on: .videoSubmit), 5)
    }

    func testMarkdownPage() throws {
        try png("racoons_0.png", "blue circles on gold")
        try png("small.png", "orange waves", 200, 240)  // scaled up to 300 px for the video model
        try png("dot.png", "black", 16, 16)
        let text = """
            # Raccoons

            Text `![code](racoons_0.png)` stays, and so does \\![escaped](racoons_0.png).

            ![A raccoon](racoons_0.png "The title")

            ```
            ![in a fence](racoons_0.png)
            ```

            <figure><img src="small.png" alt=""><figcaption></figcaption></figure>
            ![tiny](dot.png) and ![missing](nope.png)

            """
        let page = write("site/article.md", text)
        let session = try offline()
        let report = try AnimatePage.report(options(page), session: session)
        XCTAssertEqual(report.page, dir + "/out/index.md")
        XCTAssertEqual(report.items.map(\.source), ["racoons_0.png", "small.png", "dot.png", "nope.png"])
        XCTAssertEqual(report.items.map(\.line), [5, 11, 12, 12])
        XCTAssertEqual(report.items[0].status, .done)
        XCTAssertEqual(report.items[1].status, .done)
        XCTAssertEqual(report.items[2].status, .skipped("16x16, below --min-size 128"))
        XCTAssertEqual(report.items[3].status, .failed("nope.png does not exist"))
        let expected = text
            .replacingOccurrences(of: "![A raccoon](racoons_0.png \"The title\")", with: "![A raccoon](images/racoons_0.gif \"The title\")")
            .replacingOccurrences(of: "<img src=\"small.png\"", with: "<img src=\"images/small.gif\"")
        XCTAssertEqual(try read(report.page), expected)
        try assertGIF(dir + "/out/images/racoons_0.gif")
        try assertGIF(dir + "/out/images/small.gif")
        XCTAssertEqual(session.standIn!.requests(on: .videoSubmit), 2)
    }

    func testPageWithNoImagesIsAUsageError() throws {
        let page = write("site/empty.html", "<html><body><p>No pictures <!-- <img src=\"a.png\"> --></p></body></html>")
        XCTAssertThrowsError(try AnimatePage.run(options(page), session: try offline())) {
            XCTAssertEqual(($0 as? WorkflowError)?.category, .usage)
            XCTAssertTrue("\($0)".contains("holds no images"), "\($0)")
        }
        XCTAssertThrowsError(try AnimatePage.run(options(dir + "/site/missing.html"), session: try offline())) {
            XCTAssertEqual(($0 as? WorkflowError)?.category, .usage)
        }
    }

    func testOnlyIconsIsAUsageError() throws {
        try png("dot.png", "black", 16, 16)
        let page = write("site/icons.html", "<p><img src=\"dot.png\"><img src=\"a.svg\"></p>")
        XCTAssertThrowsError(try AnimatePage.run(options(page), session: try offline())) {
            XCTAssertEqual(($0 as? WorkflowError)?.category, .usage)
            XCTAssertTrue("\($0)".contains("dot.png skipped (16x16"), "\($0)")
            XCTAssertTrue("\($0)".contains("a.svg skipped (SVG"), "\($0)")
        }
    }

    func testEscapesFromThePageFolderAreRefused() throws {
        try png("ok.png", "blue circles on gold")
        // A real picture outside the page's folder, reachable by ../, by an absolute path and by a link.
        let outside = dir + "/secret.png"
        try FileManager.default.copyItem(atPath: dir + "/site/ok.png", toPath: outside)
        try FileManager.default.createSymbolicLink(atPath: dir + "/site/link.png", withDestinationPath: outside)
        let text = "<p><img src=\"../secret.png\"><img src=\"images/../../secret.png\"><img src=\"\(outside)\"><img src=\"link.png\"><img src=\"ok.png\"></p>\n"
        let page = write("site/page.html", text)
        var warnings: [String] = []
        let report = try AnimatePage.report(options(page), session: try offline()) { e in
            if case let .warning(w) = e { warnings.append(w) }
        }
        XCTAssertEqual(report.items.map(\.statusText), [
            "skipped (../secret.png escapes the page's folder; left alone)",
            "skipped (images/../../secret.png escapes the page's folder; left alone)",
            "skipped (\(outside) is an absolute path; only files inside the page's folder are read; left alone)",
            "skipped (link.png leads outside the page's folder (through a link); left alone)",
            "done",
        ])
        XCTAssertEqual(warnings.filter { $0.contains("left alone") }.count, 4, "\(warnings)")
        XCTAssertEqual(try read(report.page), text.replacingOccurrences(of: "src=\"ok.png\"", with: "src=\"images/ok.gif\""))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/images/secret.gif"))
    }

    func testAllFailingThrowsAndOthersContinue() throws {
        try png("a.png", "blue circles on gold")
        try png("b.png", "red squares on teal")
        let page = write("site/page.html", "<img src=\"a.png\"><img src=\"b.png\">")
        let session = try offline()
        session.standIn!.inject(.jobErrorDetail, on: .videoPoll, times: 1)
        // One job fails, the other finishes; the page shows the finished one.
        var o = options(page)
        o.concurrency = 1
        let report = try AnimatePage.report(o, session: session)
        XCTAssertEqual(report.items.filter { $0.status == .done }.count, 1)
        XCTAssertEqual(report.items.filter { if case .failed = $0.status { return true } else { return false } }.count, 1)
        // Every job failing is an error.
        let again = try offline()
        again.standIn!.inject(.jobErrorDetail, on: .videoPoll, times: 10)
        var fresh = options(page)
        fresh.outputDirectory = dir + "/out2"
        XCTAssertThrowsError(try AnimatePage.run(fresh, session: again)) {
            XCTAssertEqual(($0 as? WorkflowError)?.category, .remote)
            XCTAssertTrue("\($0)".contains("Could not detect face"), "\($0)")
        }
    }

    func testSHA256AgainstPython() throws {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // Lengths around the 55/56/64-byte padding edges, checked by hashlib.
        let lengths = [55, 56, 63, 64, 65, 1000]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import hashlib\nfor n in \(lengths): print(hashlib.sha256(bytes((i * 7 + 3) % 256 for i in range(n))).hexdigest())"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let expected = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(lengths.map { n in SHA256.hex((0..<n).map { UInt8(($0 * 7 + 3) % 256) }) }, expected)
    }

    func testRemoteImagesAreDownloaded() throws {
        // The stand-in serves its generated images over HTTP: a remote illustration to fetch.
        let session = try offline()
        let images = try session.aiml().generateImage(ImageRequest(prompt: "yellow circles on navy", width: 320, height: 320))
        guard let url = images.first?.url, url.hasPrefix("http") else { throw XCTSkip("the stand-in answered without a URL") }
        let text = "<p><img src=\"\(url)\" alt=\"a picture\"></p>"
        let page = write("site/remote.html", text)
        let report = try AnimatePage.report(options(page), session: session)
        XCTAssertEqual(report.items.map(\.status), [.done])
        try assertGIF(dir + "/out/" + report.items[0].gif!)
        XCTAssertEqual(try read(report.page), "<p><img src=\"\(report.items[0].gif!)\" alt=\"a picture\"></p>")
    }
}
