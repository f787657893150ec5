import Foundation
import XCTest
@testable import GifsmithBench

final class MetricsTests: XCTestCase {
    private func image(_ w: Int, _ h: Int, _ f: (Int, Int, Int) -> UInt8) -> [UInt8] {
        var out: [UInt8] = []
        for y in 0..<h { for x in 0..<w { for c in 0..<3 { out.append(f(x, y, c)) } } }
        return out
    }

    func testIdenticalImagesGiveSSIMOneAndCappedPSNR() {
        let a = image(37, 21) { x, y, c in UInt8((x * 7 + y * 13 + c * 50) & 255) }
        XCTAssertEqual(ImageMetrics.mse(a, a), 0)
        XCTAssertEqual(ImageMetrics.psnr(a, a), ImageMetrics.psnrCap)
        XCTAssertEqual(ImageMetrics.ssim(a, a, width: 37, height: 21), 1.0)
    }

    func testPSNRAndSSIMHandCases() {
        let a = image(16, 16) { x, _, _ in x < 8 ? 100 : 200 }
        // Every sample off by exactly 3 levels: MSE 9, PSNR 10 log10(65025 / 9) = 38.588 dB.
        let b = a.map { $0 + 3 }
        XCTAssertEqual(ImageMetrics.mse(a, b), 9)
        XCTAssertEqual(ImageMetrics.psnr(a, b), 10 * log10(65025.0 / 9), accuracy: 1e-9)
        // A flat window against a flat window 3 levels up: the structure terms are equal (both 0
        // variance), so SSIM is the luminance term alone, (2*m*(m+3)+C1)/(m^2+(m+3)^2+C1), near 1.
        let flatA = [UInt8](repeating: 100, count: 8 * 8 * 3), flatB = [UInt8](repeating: 103, count: 8 * 8 * 3)
        let c1 = (0.01 * 255) * (0.01 * 255)
        XCTAssertEqual(ImageMetrics.ssim(flatA, flatB, width: 8, height: 8), (2 * 100 * 103 + c1) / (100 * 100 + 103 * 103 + c1), accuracy: 1e-12)
        // The photographic negative has negative correlation: SSIM well below 0.5.
        let inv = a.map { 255 - $0 }
        XCTAssertLessThan(ImageMetrics.ssim(a, inv, width: 16, height: 16), 0.5)
        // Noise lowers SSIM but less than inversion.
        var rng = SystemRandomNumberGenerator()
        let noisy = a.map { UInt8(clamping: Int($0) + Int.random(in: -20...20, using: &rng)) }
        let s = ImageMetrics.ssim(a, noisy, width: 16, height: 16)
        XCTAssertLessThan(s, 1)
        XCTAssertGreaterThan(s, ImageMetrics.ssim(a, inv, width: 16, height: 16))
    }

    func testFlickerCountsOnlyChangesWhereTheReferenceIsStatic() {
        // Four pixels: 0 static & output stable, 1 static & output changed, 2 reference moved 5 (not
        // static) & output changed, 3 reference moved by 2 (static within threshold 2) & output stable.
        let prevRef: [UInt8] = [10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]
        let ref: [UInt8] = [10, 10, 10, 20, 20, 20, 35, 30, 30, 42, 40, 40]
        let prevOut: [UInt8] = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
        let out: [UInt8] = [1, 1, 1, 2, 9, 2, 7, 3, 3, 4, 4, 4]
        let f = ImageMetrics.flicker(previousOutput: prevOut, output: out, previousReference: prevRef, reference: ref, staticThreshold: 2)
        XCTAssertEqual(f.staticPixels, 3)
        XCTAssertEqual(f.changed, 1)
    }

    func testSampledFramesSpreadEvenly() {
        XCTAssertEqual(GIFScorer.sampledFrames(total: 10, count: 0), Array(0..<10))
        XCTAssertEqual(GIFScorer.sampledFrames(total: 10, count: 20), Array(0..<10))
        XCTAssertEqual(GIFScorer.sampledFrames(total: 10, count: 4), [0, 3, 6, 9])
        XCTAssertEqual(GIFScorer.sampledFrames(total: 9, count: 3), [0, 4, 8])
        XCTAssertEqual(GIFScorer.sampledFrames(total: 5, count: 1), [2])
    }

    func testBMPDecodesWithFFmpegToTheSamePixels() throws {
        guard let ffmpeg = ExternalTools.find("ffmpeg") else { throw XCTSkip("ffmpeg CLI not installed") }
        // Odd width: rows need padding, which a wrong stride would show as a shear.
        let w = 7, h = 5
        let rgb = image(w, h) { x, y, c in UInt8((x * 31 + y * 17 + c * 80) & 255) }
        let dir = NSTemporaryDirectory() + "qbench-bmp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(BMPWriter.encode(rgb: rgb, width: w, height: h)).write(to: URL(fileURLWithPath: "\(dir)/a.bmp"))
        try ExternalTools.run(ffmpeg, ["-v", "error", "-i", "\(dir)/a.bmp", "-f", "rawvideo", "-pix_fmt", "rgb24", "\(dir)/a.rgb"])
        XCTAssertEqual(try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.rgb"))), rgb)
        let c = BMPWriter.centreCrop(rgb: rgb, width: w, height: h, cropWidth: 3, cropHeight: 2)
        XCTAssertEqual(c.width, 3)
        XCTAssertEqual(c.height, 2)
        XCTAssertEqual(Array(c.rgb[0..<3]), Array(rgb[((1 * w) + 2) * 3..<((1 * w) + 2) * 3 + 3]))
    }
}
