@testable import Gifsmith
import GifsmithCore
import XCTest

final class SamplerTests: XCTestCase {
    private func frame(_ pts: Int64, duration: Int64 = 0) -> PlanarFrame {
        PlanarFrame(width: 1, height: 1, layout: .rgb, planes: [[0], [0], [0]], strides: [1, 1, 1], pts: pts, duration: duration)
    }

    private func sample(_ pts: [Int64], start: Double? = nil, duration: Double? = nil, rate: FrameRate? = nil) -> [(Int64, Int64, Int64)] {
        var s = FrameSampler(start: start, duration: duration, rate: rate)
        var out: [TimedFrame] = []
        for p in pts { out += s.push(frame(p)) }
        out += s.finish()
        return out.map { ($0.frame.pts, $0.start, $0.end) }
    }

    func testPassThroughKeepsTimestamps() {
        let r = sample([0, 40_000, 80_000])
        XCTAssertEqual(r.map(\.0), [0, 40_000, 80_000])
        XCTAssertEqual(r.map(\.2), [40_000, 80_000, 120_000], "the last frame lasts as long as the one before")
    }

    func testTrimWindow() {
        // 25 fps for 2 s; keep [0.5, 1.0).
        let r = sample((0..<50).map { Int64($0) * 40_000 }, start: 0.5, duration: 0.5)
        XCTAssertEqual(r.first?.1, 0)
        XCTAssertEqual(r.last?.2, 500_000)
        XCTAssertEqual(r.first?.0, 480_000, "the frame on screen at 0.5 s")
        XCTAssertEqual(r.count, 13)
    }

    func testDownsampleDropsFrames() {
        // 30 fps → 10 fps keeps every third frame.
        let r = sample((0..<30).map { Int64($0) * 100_000 / 3 }, rate: FrameRate(10))
        XCTAssertEqual(r.count, 10)
        XCTAssertEqual(r.map(\.0), (0..<10).map { Int64($0 * 3) * 100_000 / 3 })
        XCTAssertEqual(r.map(\.1), (0..<10).map { Int64($0) * 100_000 })
    }

    func testUpsampleMergesRepeatsIntoLongerFrames() {
        // 5 fps → 20 fps: each source frame covers four grid slots, written once for all four.
        let r = sample([0, 200_000, 400_000], rate: FrameRate(20))
        XCTAssertEqual(r.count, 3)
        XCTAssertEqual(r.map(\.1), [0, 200_000, 400_000])
        XCTAssertEqual(r.map(\.2), [200_000, 400_000, 600_000])
    }

    func testFrameRateParsing() {
        XCTAssertEqual(FrameRate(parsing: "15"), FrameRate(15, 1))
        XCTAssertEqual(FrameRate(parsing: "29.97"), FrameRate(30000, 1001))
        XCTAssertEqual(FrameRate(parsing: "30000/1001"), FrameRate(30000, 1001))
        XCTAssertEqual(FrameRate(parsing: "12.5"), FrameRate(25, 2))
        XCTAssertNil(FrameRate(parsing: "0"))
        XCTAssertNil(FrameRate(parsing: "fast"))
        XCTAssertEqual(FrameRate(30000, 1001).microseconds(ofFrame: 30000), 1_001_000_000)
    }

    func testGeometryParsing() {
        XCTAssertEqual(PixelRect(geometry: "1200x300+168+170"), PixelRect(x: 168, y: 170, width: 1200, height: 300))
        XCTAssertEqual(PixelRect(geometry: "64x32"), PixelRect(x: 0, y: 0, width: 64, height: 32))
        XCTAssertNil(PixelRect(geometry: "64x"))
        XCTAssertNil(PixelRect(geometry: "ax3+1+1"))
        XCTAssertEqual(AspectRatio(parsing: "16:9"), AspectRatio(16, 9))
        XCTAssertNil(AspectRatio(parsing: "16"))
    }
}
