import Foundation
import GifsmithAPI
import GifsmithStandIn
import XCTest

final class HappyPathTests: XCTestCase {
    func testImageShapeAAndB() throws {
        for shape in [StandInOptions.ImageShape.a, .b, .bBase64] {
            let f = try Fixture { $0.imageShape = shape }
            let c = f.client()
            let images = try c.generateImage(ImageRequest(prompt: "dim coral lines", width: 128, height: 96))
            XCTAssertEqual(images.count, 1, "\(shape)")
            let out = f.path("img.png")
            _ = try c.save(images[0], to: out)
            let checked = try InputImage(path: out, minSide: 64)
            XCTAssertEqual(checked.format, .png)
            XCTAssertEqual([checked.width, checked.height], [128, 96], "\(shape)")
            XCTAssertEqual(f.files, ["img.png"], "no temporary files left")
        }
    }

    func testImageSizeCheckedBeforeSending() throws {
        let f = try Fixture()
        XCTAssertAPIError(try f.client().generateImage(ImageRequest(prompt: "x", width: 1200, height: 300)), .invalidInput, contains: "multiple of 32")
        XCTAssertAPIError(try f.client().generateImage(ImageRequest(prompt: "x", width: 32, height: 64)), .invalidInput)
        XCTAssertEqual(f.server.requests(on: .images), 0)
    }

    func testKlingLegacyLifecycleAndDownload() throws {
        let f = try Fixture()
        let c = f.client()
        let image = try InputImage(path: try f.png("in.png"))
        let job = try c.submitVideo(KlingRequest(model: .v16Pro, imageURL: image.dataURL, tailImageURL: image.dataURL,
                                                 prompt: "gentle zoom", negativePrompt: "blur", duration: 5, cfgScale: 0.5))
        XCTAssertTrue(job.id.hasSuffix(":kling-video/v1.6/pro/image-to-video"))
        var seen: [String] = []
        let out = f.path("v.mp4")
        let d = try c.downloadVideo(job, to: out) { if case let .status(_, s, _) = $0 { seen.append(s) } }
        XCTAssertEqual(seen, ["queued", "generating", "completed"])
        XCTAssertEqual(d.bytes, Int64((try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? -1))
        XCTAssertEqual(ffprobeFrames(out), 10, "2 fps x 5 s")
        XCTAssertEqual(f.files, ["in.png", "v.mp4"])
    }

    func testKlingUniversalWithMasks() throws {
        let f = try Fixture()
        let c = f.client()
        let image = try InputImage(path: try f.png("in.png"))
        let mask = DynamicMask(maskURL: image.dataURL, trajectories: [TrajectoryPoint(x: 1, y: 2), TrajectoryPoint(x: 30, y: 40)])
        let job = try c.submitVideo(KlingRequest(model: .v1Standard, imageURL: image.dataURL, duration: 10, staticMaskURL: image.dataURL,
                                                 dynamicMasks: [mask]), endpoint: .universal)
        let d = try c.downloadVideo(job, to: f.path("u.mp4"))
        XCTAssertGreaterThan(d.bytes, 100)
        XCTAssertEqual(ffprobeFrames(f.path("u.mp4")), 20)
    }

    func testRequestValidationOnClient() throws {
        let f = try Fixture()
        let c = f.client()
        XCTAssertAPIError(try c.submitVideo(KlingRequest(imageURL: "data:x", duration: 7)), .invalidInput, contains: "5 or 10")
        XCTAssertAPIError(try c.submitVideo(KlingRequest(imageURL: "data:x", cfgScale: 1.5)), .invalidInput, contains: "cfg_scale")
        XCTAssertAPIError(try c.submitVideo(KlingRequest(model: .v16Pro, imageURL: "data:x", staticMaskURL: "m")), .invalidInput, contains: "v1 model")
        XCTAssertEqual(f.server.requests(on: .videoSubmit), 0)
    }

    func testServerValidationIs400WithMessage() throws {
        let f = try Fixture()
        // Not a PNG/JPEG: the server's Body validation error comes back verbatim.
        XCTAssertAPIError(try f.client().submitVideo(KlingRequest(imageURL: "data:image/gif;base64,R0lGODlhAQABAAAAACw=")),
                          .http(status: 400), contains: "Body validation error")
    }

    func testTemplates() throws {
        XCTAssertEqual(MagicTemplate.allCases.count, 21)
        XCTAssertEqual(try MagicTemplate.named("Frames Drop"), .framesDrop)
        XCTAssertAPIError(try MagicTemplate.named("Rotating \u{0421}ards"), .invalidInput, contains: "'Rotating Cards'")
        XCTAssertAPIError(try MagicTemplate.named("Times Square(66)"), .invalidInput, contains: "New York Times Square (66)")
        XCTAssertAPIError(try MagicTemplate.named("Moon Base"), .invalidInput, contains: "Thailand Street")
        let f = try Fixture()
        let c = f.client()
        let image = try InputImage(path: try f.png("logo.png"))
        let job = try c.submitTemplate(imageURL: image.dataURL, template: .timesSquareBillboard)
        XCTAssertEqual(job.endpoint, .universal)
        let d = try c.downloadVideo(job, to: f.path("ad.mp4"))
        XCTAssertGreaterThan(d.bytes, 100)
        XCTAssertEqual(ffprobeFrames(f.path("ad.mp4")), 10)
    }

    func testChatWritesAMotionPrompt() throws {
        let f = try Fixture()
        let image = try InputImage(path: try f.png("in.png"))
        let a = try f.client().motionPrompt(imageURL: image.dataURL)
        let b = try f.client().motionPrompt(imageURL: image.dataURL)
        XCTAssertEqual(a, b, "deterministic")
        XCTAssertTrue(a.lowercased().contains("loop"))
    }

    func testVisionCraftGIF() throws {
        let f = try Fixture()
        let vc = f.visionCraft()
        let url = try vc.generateGIF(prompt: "Beautiful landscape")
        let d = try vc.downloadGIF(url, to: f.path("l.gif"))
        XCTAssertEqual(d.contentType, "image/gif")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: f.path("l.gif")))
        XCTAssertTrue(bytes.starts(with: Data("GIF89a".utf8)))
        XCTAssertAPIError(try f.visionCraft(token: "wrong-token-1").generateGIF(prompt: "x"), .unauthorized, contains: "Invalid token")
    }

    func testInputImageChecks() throws {
        let f = try Fixture()
        XCTAssertAPIError(try InputImage(path: f.path("missing.png")), .invalidInput, contains: "does not exist")
        XCTAssertAPIError(try InputImage(path: try f.png("small.png", width: 200, height: 400)), .invalidInput, contains: "at least 300")
        XCTAssertAPIError(try InputImage(path: try f.png("wide.png", width: 960, height: 320)), .invalidInput, contains: "2.5")
        let gif = f.path("fake.png")
        _ = FileManager.default.createFile(atPath: gif, contents: Data("GIF89a....".utf8))
        XCTAssertAPIError(try InputImage(path: gif), .invalidInput, contains: "not a PNG or JPEG")
        // JPEG sizes come from the SOF marker.
        let jpg = f.path("j.jpg")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-v", "error", "-f", "lavfi", "-i", "color=red:s=400x320", "-frames:v", "1", jpg]
        try p.run()
        p.waitUntilExit()
        let j = try InputImage(path: jpg)
        XCTAssertEqual([j.width, j.height], [400, 320])
        XCTAssertEqual(j.format, .jpeg)
    }

    func testMissingKey() {
        XCTAssertAPIError(try APISecret.load(variable: "AIMLAPI_KEY", environment: [:]), .missingKey, contains: "AIMLAPI_KEY")
        XCTAssertAPIError(try APISecret.load(variable: "AIMLAPI_KEY", file: "/nonexistent/key", environment: [:]), .missingKey)
        XCTAssertEqual(try APISecret.load(variable: "K", environment: ["K": " abc\n"]).value, "abc")
        XCTAssertEqual("\(APISecret("hunter2hunter2"))", "<redacted>")
    }
}
