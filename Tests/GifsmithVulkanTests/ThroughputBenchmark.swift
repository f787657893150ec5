import Foundation
import XCTest
import GifsmithCore
import GifsmithMedia
@testable import GifsmithVulkan

/// Frames per second per stage, Vulkan and CPU, for 1920x1080 → 480x270 and 1080p full.
/// Runs only when GIFSMITH_VK_BENCH is set (speed is reported, never asserted):
///
///     GIFSMITH_VK_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter ThroughputBenchmark
///
/// GIFSMITH_VK_BENCH_THREADS (default: the core count) calls run at once, as the Transcoder's
/// workers do; GIFSMITH_VK_BENCH_SECONDS (default 2) per measurement.
final class ThroughputBenchmark: XCTestCase {
    func testThroughput() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["GIFSMITH_VK_BENCH"] != nil else { throw XCTSkip("set GIFSMITH_VK_BENCH=1 to measure throughput") }
        var vulkan = try GifsmithVulkanTests.vulkan()
        if let group = Int(env["GIFSMITH_VK_BENCH_GROUP"] ?? "") {
            vulkan = try VulkanBackend(deviceIndex: vulkan.device.index, options: .init(diffusionGroupSize: group))
        }
        let threads = Int(env["GIFSMITH_VK_BENCH_THREADS"] ?? "") ?? ProcessInfo.processInfo.activeProcessorCount
        let seconds = Double(env["GIFSMITH_VK_BENCH_SECONDS"] ?? "") ?? 2
        let backends: [any PixelBackend] = env["GIFSMITH_VK_BENCH_CPU"] == "0" ? [vulkan] : [vulkan, CPUBackend()]

        let stages = Set((env["GIFSMITH_VK_BENCH_STAGES"] ?? "convert,histogram,none,bayer,blue-noise,floyd-steinberg,sierra-2-4a,atkinson")
            .split(separator: ",").map(String.init))
        let source = try Self.frame1080p()
        var lines = ["device: \(vulkan.device.name) (\(vulkan.device.type)), \(threads) threads, \(seconds) s a measurement"]
        for width in [480, 1920] {
            let plan = try ScalePlan(sourceWidth: 1920, sourceHeight: 1080, layout: source.layout, crop: nil,
                                     outputSize: try ScalePlan.outputSize(crop: PixelSize(width: 1920, height: 1080), width: width, height: nil),
                                     filter: .bicubic)
            let image = ConvertKernel.convert(source, plan: plan)
            var histogram = ColorHistogram()
            histogram.add(image)
            let mapper = PaletteMapper(palette: try MedianCut.palette(from: histogram, maxColors: 255))
            // Speed of wrong answers is no use: check each stage once against the CPU.
            if stages.contains("convert") {
                XCTAssertTrue(try vulkan.convert(source, plan: plan) == image, "convert → \(plan.outputSize)")
            }
            if stages.contains("histogram") {
                var h = ColorHistogram()
                try vulkan.accumulateHistogram(image, into: &h)
                XCTAssertTrue(h == histogram, "histogram \(plan.outputSize)")
            }
            for method in DitherMethod.allCases where stages.contains(method.rawValue) {
                XCTAssertTrue(try vulkan.map(image, mapper: mapper, dither: Dither(method)) == DitherKernel.map(image, mapper: mapper, dither: Dither(method)),
                              "map \(method) \(plan.outputSize)")
            }
            for backend in backends {
                let label = "\(backend.name) 1920x1080→\(plan.outputSize)"
                if stages.contains("convert") { lines.append("\(label) convert: \(Self.rate(threads, seconds) { _ = try backend.convert(source, plan: plan) })") }
                if stages.contains("histogram") { lines.append("\(label) histogram: \(Self.rate(threads, seconds) { var h = ColorHistogram(); try backend.accumulateHistogram(image, into: &h) })") }
                for dither in [Dither(.none), Dither(.bayer), Dither(.blueNoise), Dither(.floydSteinberg), Dither(.sierra24a), Dither(.atkinson)] where stages.contains(dither.method.rawValue) {
                    lines.append("\(label) map \(dither.method.rawValue): \(Self.rate(threads, seconds) { _ = try backend.map(image, mapper: mapper, dither: dither) })")
                }
            }
        }
        print(lines.joined(separator: "\n"))
    }

    /// "N frames/s": `body` called from `threads` threads for about `seconds`.
    static func rate(_ threads: Int, _ seconds: Double, _ body: @escaping @Sendable () throws -> Void) -> String {
        try? body()  // warm-up: pipelines, buffers, caches
        let frames = Locked(0)
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while Date().timeIntervalSince(start) < seconds {
                do { try body() } catch { return }
                frames.with { $0 += 1 }
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        return String(format: "%.1f frames/s", Double(frames.with { $0 }) / elapsed)
    }

    /// A decoded frame of the bundled clip (640x360, 4:2:0) blown up 3× to 1920x1080 by
    /// repeating samples: real colour statistics at full HD.
    static func frame1080p() throws -> PlanarFrame {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Samples/sample.mp4").path
        let decoder = try VideoDecoder(path: path)
        var small: PlanarFrame?
        for _ in 0..<30 { if let f = try decoder.nextFrame() { small = f } }
        guard let f = small, f.width == 640, f.height == 360 else { throw XCTSkip("sample clip not as expected") }
        var planes: [[UInt8]] = []
        var strides: [Int] = []
        for p in 0..<3 {
            let w = f.planeWidth(p), h = f.planeHeight(p)
            var out = [UInt8](repeating: 0, count: 9 * w * h)
            for y in 0..<(3 * h) {
                for x in 0..<(3 * w) { out[y * 3 * w + x] = f.planes[p][(y / 3) * f.strides[p] + x / 3] }
            }
            planes.append(out)
            strides.append(3 * w)
        }
        return PlanarFrame(width: 1920, height: 1080, layout: f.layout, planes: planes, strides: strides, pts: 0)
    }
}
