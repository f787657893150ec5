import Foundation
import XCTest
import GifsmithCore
import GifsmithMedia
@testable import GifsmithVulkan

/// Convert + crop + scale on Vulkan equals ConvertKernel byte for byte.
final class ConvertEquivalenceTests: XCTestCase {
    static let layouts: [PlaneLayout] = [
        .yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: .bt709, range: .limited, siting: .left),
        .yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: .bt601, range: .full, siting: .center),
        .yuv(chromaShiftX: 1, chromaShiftY: 0, matrix: .bt2020, range: .limited, siting: .left),
        .yuv(chromaShiftX: 0, chromaShiftY: 0, matrix: .bt601, range: .limited, siting: .center),
        .yuv(chromaShiftX: 2, chromaShiftY: 2, matrix: .bt2020, range: .full, siting: .center),
        .rgb,
    ]

    /// A frame with random padding after each row; `smooth` planes look like video, the others
    /// are noise (extremes, so every clamp is exercised).
    static func frame(_ w: Int, _ h: Int, _ layout: PlaneLayout, smooth: Bool, _ rng: inout TestRNG) -> PlanarFrame {
        var f = PlanarFrame(width: w, height: h, layout: layout, planes: [[], [], []], strides: [0, 0, 0], pts: 0)
        for p in 0..<3 {
            let pw = f.planeWidth(p), ph = f.planeHeight(p)
            let stride = pw + rng.int(0...5)
            var bytes = [UInt8](repeating: 0, count: stride * ph)
            for y in 0..<ph {
                for x in 0..<stride {
                    bytes[y * stride + x] = smooth ? UInt8(truncatingIfNeeded: (x * 7 + y * 3) / (p + 1) + rng.int(0...8) + 40 * p) : rng.byte()
                }
            }
            f.planes[p] = bytes
            f.strides[p] = stride
        }
        return f
    }

    private func check(_ backend: VulkanBackend, _ frame: PlanarFrame, crop: PixelRect?, output: PixelSize, filter: ScaleFilter,
                       _ label: String) throws {
        let plan = try ScalePlan(sourceWidth: frame.width, sourceHeight: frame.height, layout: frame.layout, crop: crop,
                                 outputSize: output, filter: filter)
        let cpu = ConvertKernel.convert(frame, plan: plan)
        let gpu = try backend.convert(frame, plan: plan)
        XCTAssertEqual(gpu.width, output.width)
        XCTAssertEqual(gpu.height, output.height)
        XCTAssertTrue(gpu.pixels == cpu.pixels, "\(label) \(frame.width)x\(frame.height) crop \(crop.map { "\($0)" } ?? "none") → \(output) \(filter): \(firstDifference(gpu.pixels, cpu.pixels))")
        // The first pass's sampled plans (every other table row) too.
        guard output.width >= 2, output.height >= 2 else { return }
        for phase in [0, 3] {
            let sampled = try backend.convert(frame, plan: plan.sampled(phase: phase)), expected = cpu.decimated(phase: phase)
            XCTAssertTrue(sampled == expected, "\(label) quarter \(phase) → \(output) \(filter): \(firstDifference(sampled.pixels, expected.pixels))")
        }
    }

    private func checkAll(_ backend: VulkanBackend, seed: UInt64, quick: Bool) throws {
        var rng = TestRNG(seed)
        for (li, layout) in Self.layouts.enumerated() {
            for smooth in [false, true] {
                let f = Self.frame(37, 23, layout, smooth: smooth, &rng)
                var cases: [(PixelRect?, PixelSize)] = [
                    (nil, PixelSize(width: 37, height: 23)),              // identity
                    (nil, PixelSize(width: 1, height: 1)),
                    (nil, PixelSize(width: 1, height: 30)),
                    (nil, PixelSize(width: 45, height: 1)),
                    (nil, PixelSize(width: 67, height: 41)),              // upscale
                    (nil, PixelSize(width: 13, height: 7)),               // downscale
                    (PixelRect(x: 3, y: 5, width: 17, height: 11), PixelSize(width: 17, height: 11)),  // odd crop, 1:1
                    (PixelRect(x: 1, y: 2, width: 9, height: 15), PixelSize(width: 30, height: 9)),
                ]
                if quick { cases = Array(cases.prefix(5)) }
                for (crop, output) in cases {
                    for filter in ScaleFilter.allCases {
                        try check(backend, f, crop: crop, output: output, filter: filter, "layout \(li)")
                    }
                }
            }
        }
        // Odd tiny sources.
        for (w, h) in [(1, 1), (1, 6), (6, 1), (2, 3)] {
            let f = Self.frame(w, h, Self.layouts[0], smooth: false, &rng)
            for output in [PixelSize(width: 1, height: 1), PixelSize(width: 5, height: 3)] {
                try check(backend, f, crop: nil, output: output, filter: .bicubic, "tiny")
            }
        }
    }

    func testRandomFramesMatchCPU() throws {
        try checkAll(try vulkan(), seed: 20, quick: false)
    }

    func testStagedMatchesCPU() throws {
        try checkAll(try vulkan(Backends.staged), seed: 21, quick: true)
    }

    /// Frames of the bundled clip (H.264, 4:2:0, BT.709), scaled as the product does.
    func testDecodedFramesMatchCPU() throws {
        let backend = try vulkan()
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Samples/sample.mp4").path
        let decoder = try VideoDecoder(path: path)
        var frames: [PlanarFrame] = []
        while frames.count < 2, let f = try decoder.nextFrame() { frames.append(f) }
        XCTAssertEqual(frames.count, 2)
        for f in frames {
            try check(backend, f, crop: nil, output: PixelSize(width: 160, height: 90), filter: .bicubic, "decoded")
            try check(backend, f, crop: PixelRect(x: 101, y: 33, width: 301, height: 203), output: PixelSize(width: 120, height: 81),
                      filter: .area, "decoded")
        }
        try check(backend, frames[0], crop: nil, output: PixelSize(width: frames[0].width, height: frames[0].height), filter: .bicubic, "decoded")
    }

    func testMismatchedFrameIsRefused() throws {
        let backend = try vulkan()
        var rng = TestRNG(22)
        let f = Self.frame(16, 8, Self.layouts[0], smooth: true, &rng)
        let plan = try ScalePlan(sourceWidth: 20, sourceHeight: 8, layout: f.layout, crop: nil, outputSize: PixelSize(width: 4, height: 4), filter: .bicubic)
        XCTAssertThrowsError(try backend.convert(f, plan: plan)) { XCTAssertTrue($0 is CoreError, "\($0)") }
    }

    /// Several threads, several plans at once (the plan cache and the context pool).
    func testConcurrentCallsMatchCPU() throws {
        let backend = try vulkan()
        var rng = TestRNG(23)
        let frames = (0..<6).map { i in Self.frame(40 + i, 30, Self.layouts[i % Self.layouts.count], smooth: true, &rng) }
        let plans = try frames.enumerated().map { i, f in
            try ScalePlan(sourceWidth: f.width, sourceHeight: f.height, layout: f.layout, crop: nil,
                          outputSize: PixelSize(width: 20 + i, height: 15), filter: i % 2 == 0 ? .bicubic : .area)
        }
        let results = Locked([Int: [UInt8]]())
        DispatchQueue.concurrentPerform(iterations: 24) { i in
            let r = try? backend.convert(frames[i % 6], plan: plans[i % 6])
            results.with { $0[i] = r?.pixels ?? [] }
        }
        for i in 0..<24 {
            XCTAssertTrue(results.with { $0[i] } == ConvertKernel.convert(frames[i % 6], plan: plans[i % 6]).pixels, "call \(i)")
        }
    }
}
