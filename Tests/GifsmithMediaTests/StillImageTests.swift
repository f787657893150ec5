import GifsmithCore
import GifsmithMedia
import XCTest

final class StillImageTests: XCTestCase {
    static let fx = Fixtures("still")
    override class func tearDown() { fx.remove() }
    var fx: Fixtures { Self.fx }

    private func testPicture(_ name: String, _ args: [String]) throws -> String {
        try fx.make(name, ["-f", "lavfi", "-i", "testsrc2=s=40x30", "-frames:v", "1"] + args)
    }

    func testPNGIsRGBAndExact() throws {
        let p = try testPicture("a.png", ["-pix_fmt", "rgb24"])
        let info = try MediaProbe.probe(p)
        XCTAssertTrue(info.isStillImage)
        XCTAssertEqual(info.codec, "png")
        XCTAssertEqual(info.estimatedFrameCount, 1)
        let img = try StillImage.load(p)
        XCTAssertEqual(img.layout, .rgb)
        XCTAssertEqual([img.width, img.height], [40, 30])
        XCTAssertEqual(img.pts, 0)
        XCTAssertEqual(concatenatedPlanes([img], order: [1, 2, 0]), try Fixtures.rawFrames(p, pixFmt: "gbrp"))
    }

    func testJPEGStaysFullRangeYUV() throws {
        let p = try testPicture("a.jpg", ["-pix_fmt", "yuvj420p"])
        let img = try StillImage.load(p)
        guard case let .yuv(sx, sy, _, r, s) = img.layout else { return XCTFail("expected YUV") }
        XCTAssertEqual([sx, sy], [1, 1])
        XCTAssertEqual(r, .full)
        XCTAssertEqual(s, .center)
        XCTAssertEqual(concatenatedPlanes([img]), try Fixtures.rawFrames(p, pixFmt: "yuvj420p"))
    }

    func testWebPLossyAndLossless() throws {
        let lossy = try testPicture("a.webp", ["-c:v", "libwebp"])
        let a = try StillImage.load(lossy)
        XCTAssertEqual([a.width, a.height], [40, 30])
        XCTAssertTrue(try MediaProbe.probe(lossy).isStillImage)
        if case .yuv = a.layout {
            XCTAssertEqual(concatenatedPlanes([a]), try Fixtures.rawFrames(lossy, pixFmt: "yuv420p"))
        } else {
            XCTFail("lossy WebP is YUV 4:2:0")
        }
        let lossless = try testPicture("b.webp", ["-c:v", "libwebp", "-lossless", "1"])
        let b = try StillImage.load(lossless)
        XCTAssertEqual(b.layout, .rgb)
        XCTAssertEqual(concatenatedPlanes([b], order: [1, 2, 0]), try Fixtures.rawFrames(lossless, pixFmt: "gbrp"))
    }

    func testBMPAndTIFF() throws {
        for name in ["a.bmp", "a.tiff"] {
            let p = try testPicture(name, ["-pix_fmt", "rgb24"])
            let img = try StillImage.load(p)
            XCTAssertEqual(img.layout, .rgb, name)
            XCTAssertEqual(concatenatedPlanes([img], order: [1, 2, 0]), try Fixtures.rawFrames(p, pixFmt: "gbrp"), name)
        }
    }

    func testAlphaIsCompositedOverBlack() throws {
        // 2x1 RGBA PNG: half-transparent orange, fully transparent white; and a palette PNG
        // with a transparent entry. Pillow writes them; expected values are round(c*a/255).
        let rgba = fx.path("alpha.png")
        let pal = fx.path("pal.png")
        try Fixtures.run("/usr/bin/python3", ["-c", """
            from PIL import Image
            im = Image.new('RGBA', (2, 1)); im.putdata([(255, 128, 0, 128), (255, 255, 255, 0)]); im.save('\(rgba)')
            p = Image.new('P', (2, 1)); p.putpalette([200, 100, 50, 10, 20, 30] + [0] * 762); p.putdata([0, 1])
            p.save('\(pal)', transparency=bytes([255, 64]))
            """])
        let a = try StillImage.load(rgba)
        XCTAssertEqual(a.layout, .rgb)
        XCTAssertEqual(a.planes.map { Array($0.prefix(2)) }, [[128, 0], [64, 0], [0, 0]])
        let p = try StillImage.load(pal)
        XCTAssertEqual(p.layout, .rgb)
        // Entry 1 at alpha 64: 10*64/255 = 2.5 → 3, 20*64/255 = 5.02 → 5, 30*64/255 = 7.53 → 8.
        XCTAssertEqual(p.planes.map { Array($0.prefix(2)) }, [[200, 3], [100, 5], [50, 8]])
    }

    func testJPEGExifOrientationIsApplied() throws {
        // A 64x32 picture, red block top-left, stored with EXIF orientation 6 (turn 90° clockwise to view).
        let src = try fx.make("orient.png", ["-f", "lavfi", "-i", "color=blue:s=64x32,drawbox=x=0:y=0:w=8:h=8:color=red:t=fill",
                                             "-frames:v", "1"])
        let jpg = fx.path("orient6.jpg")
        try Fixtures.run("/usr/bin/python3", ["-c", """
            from PIL import Image
            im = Image.open('\(src)').convert('RGB'); ex = Image.Exif(); ex[0x0112] = 6
            im.save('\(jpg)', exif=ex.tobytes(), quality=95)
            """])
        let info = try MediaProbe.probe(jpg)
        XCTAssertEqual(info.rotationDegrees, 90)
        XCTAssertEqual([info.width, info.height], [32, 64])
        let img = try StillImage.load(jpg)
        XCTAssertEqual([img.width, img.height], [32, 64])
        // Red (high Cr) now sits at the top-right.
        let cw = img.planeWidth(2)
        XCTAssertGreaterThan(img.planes[2][cw - 1], 200)
        XCTAssertLessThan(img.planes[2][0], 160)
    }

    func testPercentInFileNameIsLiteral() throws {
        let p = try testPicture("still%03d.png", ["-pix_fmt", "rgb24", "-update", "1"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: p))
        XCTAssertEqual(try StillImage.load(p).width, 40)
    }
}
