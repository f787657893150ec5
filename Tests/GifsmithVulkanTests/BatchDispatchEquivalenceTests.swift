import XCTest
import GifsmithCore
@testable import GifsmithVulkan

/// Many frames in one submission (`map(_ images:…)`, `convert(_ frames:…)`) equal the CPU frame
/// for frame: every dither, batches of 1, 2 and 5, batches split over several submissions, runs
/// of different sizes or strides in one call, staged transfers.
final class BatchDispatchEquivalenceTests: XCTestCase {
    static let dithers: [Dither] = [Dither(.none), Dither(.bayer, bayerScale: 2), Dither(.blueNoise, bayerScale: 3),
                                    Dither(.floydSteinberg), Dither(.sierra24a), Dither(.atkinson)]

    /// Different content in every frame (a frame read from its neighbour's place would show),
    /// photo-like and noise in turn.
    private func frames(_ count: Int, _ w: Int, _ h: Int, _ rng: inout TestRNG) -> [RGBImage] {
        (0..<count).map { i in i % 2 == 0 ? Images.smooth(w, h, &rng) : Images.noise(w, h, &rng) }
    }

    private func checkMap(_ backend: VulkanBackend, _ images: [RGBImage], _ mapper: PaletteMapper, _ dither: Dither,
                          _ label: String) throws {
        let got = try backend.map(images, mapper: mapper, dither: dither)
        XCTAssertEqual(got.count, images.count, label)
        for (k, (image, indexed)) in zip(images, got).enumerated() {
            let cpu = DitherKernel.map(image, mapper: mapper, dither: dither)
            XCTAssertEqual(indexed.width, image.width, "\(label) frame \(k)")
            XCTAssertEqual(indexed.height, image.height, "\(label) frame \(k)")
            XCTAssertTrue(indexed.indices == cpu.indices,
                          "\(label) frame \(k) \(image.width)x\(image.height) \(dither): \(firstDifference(indexed.indices, cpu.indices))")
        }
    }

    private func checkMapSizes(_ backend: VulkanBackend, seed: UInt64, _ label: String) throws {
        var rng = TestRNG(seed)
        for (w, h) in [(1, 1), (7, 3), (67, 5)] {
            for count in [1, 2, 5] {
                let images = frames(count, w, h, &rng)
                let palette = w * h >= 17 ? try Images.medianCutPalette(images[0], 17) : Images.randomPalette(17, &rng)
                let mapper = PaletteMapper(palette: palette)
                for dither in Self.dithers {
                    try checkMap(backend, images, mapper, dither, "\(label) batch of \(count)")
                }
            }
        }
    }

    func testBatchedMapMatchesCPU() throws {
        try checkMapSizes(try vulkan(), seed: 11, "direct")
    }

    /// Staged transfers and a four-invocation diffusion workgroup (frames of several bands).
    func testBatchedMapStagedMatchesCPU() throws {
        try checkMapSizes(try vulkan(Backends.staged), seed: 12, "staged")
    }

    /// A budget of a few frames a submission: eleven frames take several submissions in one
    /// context (the tensors are reused, the offsets restart at zero), with 256 colours and OkLab.
    func testBatchLargerThanOneSubmission() throws {
        let backend = try vulkan(Backends.smallBatches)
        var rng = TestRNG(13)
        let images = frames(11, 30, 20, &rng)
        for space in ColorSpace.allCases {
            let mapper = PaletteMapper(palette: try Images.medianCutPalette(images[0], 256), colorSpace: space)
            for dither in Self.dithers {
                let layout = MapBatchLayout(width: 30, height: 20, dither: dither, groupSize: backend.diffusionGroupSize(width: 30, height: 20))
                let perSubmission = backend.framesPerSubmission(bytesPerFrame: layout.bufferBytesPerFrame)
                XCTAssertTrue((2...8).contains(perSubmission), "\(dither): \(perSubmission) frames a submission")
                try checkMap(backend, images, mapper, dither, "\(space) small budget")
            }
        }
    }

    /// One call with runs of different sizes (each run its own submissions) and empty frames.
    func testMixedSizesInOneCall() throws {
        let backend = try vulkan()
        var rng = TestRNG(14)
        let images = frames(2, 9, 4, &rng) + [RGBImage(width: 0, height: 3)] + frames(3, 5, 9, &rng) + frames(1, 9, 4, &rng)
            + [RGBImage(width: 4, height: 0)]
        let mapper = PaletteMapper(palette: Images.randomPalette(40, &rng))
        for dither in Self.dithers {
            try checkMap(backend, images, mapper, dither, "mixed")
        }
        XCTAssertEqual(try backend.map([], mapper: mapper, dither: Dither(.none)).count, 0)
    }

    /// Batches from several threads at once: each call has its own context and buffers.
    func testConcurrentBatches() throws {
        let backend = try vulkan()
        var rng = TestRNG(15)
        let batches = (0..<4).map { i in frames(3 + i, 23 + i, 11, &rng) }
        let mapper = PaletteMapper(palette: Images.randomPalette(30, &rng))
        let dithers = [Dither(.bayer), Dither(.floydSteinberg), Dither(.atkinson), Dither(.none)]
        let results = Locked([Int: [[UInt8]]]())
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let r = try? backend.map(batches[i % 4], mapper: mapper, dither: dithers[i % 4])
            results.with { $0[i] = r?.map(\.indices) ?? [] }
        }
        for i in 0..<8 {
            let cpu = batches[i % 4].map { DitherKernel.map($0, mapper: mapper, dither: dithers[i % 4]).indices }
            XCTAssertTrue(results.with { $0[i] } == cpu, "call \(i)")
        }
    }

    // MARK: Convert

    /// A 4:2:0 frame whose planes have `padding[p]` bytes after each row; when `shortLast`, the
    /// last row of each plane stops at its pixels (no padding), as some decoders hand them out.
    private func planar(_ w: Int, _ h: Int, padding: [Int], shortLast: Bool, _ rng: inout TestRNG) -> PlanarFrame {
        let layout = PlaneLayout.yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: .bt709, range: .limited, siting: .left)
        var f = PlanarFrame(width: w, height: h, layout: layout, planes: [[], [], []], strides: [0, 0, 0], pts: 0)
        for p in 0..<3 {
            let stride = f.planeWidth(p) + padding[p]
            let count = stride * f.planeHeight(p) - (shortLast ? padding[p] : 0)
            f.planes[p] = (0..<count).map { _ in rng.byte() }
            f.strides[p] = stride
        }
        return f
    }

    private func checkConvert(_ backend: VulkanBackend, _ frames: [PlanarFrame], output: PixelSize, _ label: String) throws {
        let plan = try ScalePlan(sourceWidth: frames[0].width, sourceHeight: frames[0].height, layout: frames[0].layout,
                                 crop: nil, outputSize: output, filter: .bicubic)
        let got = try backend.convert(frames, plan: plan)
        XCTAssertEqual(got.count, frames.count, label)
        for (k, (frame, image)) in zip(frames, got).enumerated() {
            let cpu = ConvertKernel.convert(frame, plan: plan)
            XCTAssertTrue(image == cpu, "\(label) frame \(k) → \(output): \(firstDifference(image.pixels, cpu.pixels))")
        }
    }

    func testBatchedConvertMatchesCPU() throws {
        var rng = TestRNG(16)
        for (name, backend) in [("direct", try vulkan()), ("staged", try vulkan(Backends.staged)), ("small budget", try vulkan(Backends.smallBatches))] {
            for (w, h, output) in [(1, 1, PixelSize(width: 1, height: 1)), (7, 3, PixelSize(width: 5, height: 2)),
                                   (67, 5, PixelSize(width: 67, height: 5)), (40, 30, PixelSize(width: 21, height: 15))] {
                for count in [1, 2, 5] {
                    let frames = (0..<count).map { i in planar(w, h, padding: [3, 1, 0], shortLast: i == 1, &rng) }
                    try checkConvert(backend, frames, output: output, "\(name) batch of \(count)")
                }
            }
        }
    }

    /// Frames whose strides change mid-call: each run of equal strides is its own submission.
    func testConvertStridesChangingInOneCall() throws {
        let backend = try vulkan()
        var rng = TestRNG(17)
        let frames = [planar(33, 17, padding: [0, 0, 0], shortLast: false, &rng), planar(33, 17, padding: [0, 0, 0], shortLast: true, &rng),
                      planar(33, 17, padding: [5, 2, 2], shortLast: false, &rng), planar(33, 17, padding: [0, 0, 0], shortLast: false, &rng)]
        try checkConvert(backend, frames, output: PixelSize(width: 16, height: 9), "strides")
        try checkConvert(backend, frames, output: PixelSize(width: 33, height: 17), "strides")
    }
}
