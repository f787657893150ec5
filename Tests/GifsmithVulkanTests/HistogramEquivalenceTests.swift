import XCTest
import GifsmithCore
@testable import GifsmithVulkan

/// The histogram on Vulkan equals ColorHistogram.add exactly (counts and 64-bit sums).
final class HistogramEquivalenceTests: XCTestCase {
    private func check(_ backend: VulkanBackend, seed: UInt64) throws {
        var rng = TestRNG(seed)
        for (w, h) in [(1, 1), (1, 9), (9, 1), (67, 5), (45, 31), (130, 3), (300, 200)] {
            for image in [Images.noise(w, h, &rng), Images.smooth(w, h, &rng)] {
                var cpu = ColorHistogram()
                cpu.add(image)
                var gpu = ColorHistogram()
                try backend.accumulateHistogram(image, into: &gpu)
                XCTAssertEqual(gpu.totalPixels, UInt64(w * h))
                XCTAssertTrue(gpu == cpu, "\(w)x\(h)")
            }
        }
    }

    func testFramesMatchCPU() throws {
        try check(try vulkan(), seed: 10)
    }

    func testStagedFramesMatchCPU() throws {
        try check(try vulkan(Backends.staged), seed: 11)
    }

    /// Accumulating several frames into one histogram, and a frame after a larger one (the
    /// device's bins must be left empty by each call).
    func testAccumulatesAcrossFrames() throws {
        let backend = try vulkan()
        var rng = TestRNG(12)
        var cpu = ColorHistogram(), gpu = ColorHistogram()
        for (w, h) in [(200, 100), (3, 3), (64, 64), (1, 1)] {
            let image = Images.noise(w, h, &rng)
            cpu.add(image)
            try backend.accumulateHistogram(image, into: &gpu)
            XCTAssertTrue(gpu == cpu, "after \(w)x\(h)")
        }
        // The same one-colour frame twice: only one bin, twice the count.
        let grey = RGBImage(width: 5, height: 5, pixels: [UInt8](repeating: 77, count: 75))
        var single = ColorHistogram()
        try backend.accumulateHistogram(grey, into: &single)
        try backend.accumulateHistogram(grey, into: &single)
        let bin = ColorHistogram.bin(77, 77, 77)
        XCTAssertEqual(single.counts[bin], 50)
        XCTAssertEqual(Array(single.sums[(3 * bin)..<(3 * bin + 3)]), [3850, 3850, 3850])
        XCTAssertEqual(single.totalPixels, 50)
    }

    func testEmptyImageAddsNothing() throws {
        var h = ColorHistogram()
        try vulkan().accumulateHistogram(RGBImage(width: 0, height: 7), into: &h)
        XCTAssertEqual(h.totalPixels, 0)
    }

    /// One bin whose sums pass 2^32 within a frame: the carry into the high word. 4200×4100
    /// white pixels sum to 255 · 17 220 000 = 4 391 100 000 > 2^32 per channel.
    func testSumsCarryPast32Bits() throws {
        let backend = try vulkan()
        let w = 4200, h = 4100
        let white = RGBImage(width: w, height: h, pixels: [UInt8](repeating: 255, count: w * h * 3))
        var gpu = ColorHistogram()
        try backend.accumulateHistogram(white, into: &gpu)
        let bin = ColorHistogram.bin(255, 255, 255)
        XCTAssertEqual(gpu.counts[bin], UInt64(w * h))
        let sum = UInt64(w * h) * 255
        XCTAssertGreaterThan(sum, UInt64(UInt32.max))
        XCTAssertEqual(Array(gpu.sums[(3 * bin)..<(3 * bin + 3)]), [sum, sum, sum])
        XCTAssertEqual(gpu.totalPixels, UInt64(w * h))
    }
}
