import XCTest
import GifsmithCore
@testable import GifsmithVulkan

/// map + dither on Vulkan equals DitherKernel byte for byte, for every dither.
final class MapEquivalenceTests: XCTestCase {
    /// 1×1, 1×N, N×1, widths that are not a multiple of 4 or of any workgroup size, and one
    /// frame taller than the largest diffusion workgroup (several bands).
    static let sizes = [(1, 1), (1, 9), (9, 1), (67, 5), (5, 41), (45, 31), (130, 3), (3, 300)]
    static let dithers: [Dither] = [Dither(.none), Dither(.bayer, bayerScale: 0), Dither(.bayer, bayerScale: 2),
                                    Dither(.bayer, bayerScale: 5), Dither(.bayer, bayerScale: 9),
                                    Dither(.blueNoise, bayerScale: 0), Dither(.blueNoise, bayerScale: 2),
                                    Dither(.blueNoise, bayerScale: 5), Dither(.blueNoise, bayerScale: -1),
                                    Dither(.floydSteinberg), Dither(.sierra24a), Dither(.atkinson)]

    /// Image kinds × palette sizes 2, 17, 256 × every dither × every size.
    private func checkAll(_ backend: VulkanBackend, sizes: [(Int, Int)], seed: UInt64) throws {
        var rng = TestRNG(seed)
        var cases = 0
        for (w, h) in sizes {
            let images = [Images.noise(w, h, &rng), Images.smooth(w, h, &rng)]
            for (k, image) in images.enumerated() {
                var palettes = [Images.randomPalette(2, &rng), Images.randomPalette(17, &rng), Images.randomPalette(256, &rng)]
                // Duplicate entries: ties must go to the lowest index.
                palettes.append(Palette(palettes[1].colors + palettes[1].colors.reversed()))
                if w * h >= 17 { palettes.append(try Images.medianCutPalette(image, 17)) }
                if w * h >= 256 { palettes.append(try Images.medianCutPalette(image, 256)) }
                for palette in palettes {
                    let mapper = PaletteMapper(palette: palette)
                    for dither in Self.dithers {
                        let cpu = DitherKernel.map(image, mapper: mapper, dither: dither)
                        let gpu = try backend.map(image, mapper: mapper, dither: dither)
                        XCTAssertEqual(gpu.width, w)
                        XCTAssertEqual(gpu.height, h)
                        XCTAssertTrue(gpu.indices == cpu.indices,
                                       "\(w)x\(h) image \(k), \(palette.count) colours, \(dither): \(firstDifference(gpu.indices, cpu.indices))")
                        cases += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(cases, 100)
    }

    func testEveryDitherMatchesCPU() throws {
        try checkAll(try vulkan(), sizes: Self.sizes, seed: 1)
    }

    /// Staged transfers and a four-invocation diffusion workgroup: frames of many bands, rows
    /// much wider than the workgroup (the long-lag schedule).
    func testStagedAndSmallWorkgroupMatchCPU() throws {
        try checkAll(try vulkan(Backends.staged), sizes: [(1, 1), (9, 1), (1, 9), (33, 17), (7, 23)], seed: 2)
    }

    /// A wavefront of ~19 000 steps: more than llvmpipe lets one invocation loop in a dispatch
    /// (65535 iterations, lookups included), so it runs as several dispatches and the carries
    /// cross chunk boundaries in the middle of rows. Short candidate runs (2 colours) make few
    /// long chunks; a 256-colour palette makes many short ones.
    func testLongWavefrontRunsInChunks() throws {
        let backend = try vulkan(Backends.staged)
        var rng = TestRNG(5)
        let image = Images.smooth(480, 160, &rng)
        // OkLab lookups scan the whole palette: 256 colours make the shortest chunks.
        for palette in [Palette([RGB8(0, 0, 0), RGB8(255, 255, 255)]), Images.randomPalette(256, &rng)] {
            for space in ColorSpace.allCases {
                let mapper = PaletteMapper(palette: palette, colorSpace: space)
                for method in [DitherMethod.floydSteinberg, .sierra24a, .atkinson] {
                    let cpu = DitherKernel.map(image, mapper: mapper, dither: Dither(method))
                    let gpu = try backend.map(image, mapper: mapper, dither: Dither(method))
                    XCTAssertTrue(gpu.indices == cpu.indices, "\(palette.count) colours, \(space), \(method): \(firstDifference(gpu.indices, cpu.indices))")
                }
            }
        }
    }

    /// Blue noise on frames several 64×64 tiles wide and tall (the pattern wraps in both
    /// directions, at x and y not multiples of the 64-pixel workgroup's four-pixel words), every
    /// scale, staged and direct transfers, on photo-like and noise images.
    func testBlueNoiseTilesMatchCPU() throws {
        var rng = TestRNG(6)
        for backend in [try vulkan(), try vulkan(Backends.staged)] {
            for (w, h) in [(150, 131), (257, 70)] {
                for image in [Images.smooth(w, h, &rng), Images.noise(w, h, &rng)] {
                    for palette in [Palette([RGB8(0, 0, 0), RGB8(255, 255, 255)]), Images.randomPalette(16, &rng), try Images.medianCutPalette(image, 256)] {
                        let mapper = PaletteMapper(palette: palette)
                        for scale in 0...5 {
                            let dither = Dither(.blueNoise, bayerScale: scale)
                            let cpu = DitherKernel.map(image, mapper: mapper, dither: dither)
                            let gpu = try backend.map(image, mapper: mapper, dither: dither)
                            XCTAssertTrue(gpu.indices == cpu.indices, "\(w)x\(h), \(palette.count) colours, scale \(scale): \(firstDifference(gpu.indices, cpu.indices))")
                        }
                    }
                }
            }
        }
    }

    /// OkLab mappers (`--colorspace oklab`): the shader's full scan of OkLab keys equals the CPU's
    /// outward search under every dither, on sizes from one pixel to several diffusion bands;
    /// palettes of 2, 17 and 256 colours, duplicated entries (ties) and 256 greys (all in a line).
    func testOkLabEveryDitherMatchesCPU() throws {
        var rng = TestRNG(7)
        for backend in [try vulkan(), try vulkan(Backends.staged)] {
            for (w, h) in [(1, 1), (9, 1), (67, 5), (45, 31), (3, 70)] {
                for image in [Images.noise(w, h, &rng), Images.smooth(w, h, &rng)] {
                    let seventeen = Images.randomPalette(17, &rng)
                    var palettes = [Images.randomPalette(2, &rng), seventeen, Images.randomPalette(256, &rng),
                                    Palette(seventeen.colors + seventeen.colors.reversed()),
                                    Palette((0...255).map { RGB8(UInt8($0), UInt8($0), UInt8($0)) })]
                    if w * h >= 256 { palettes.append(try Images.medianCutPalette(image, 255)) }
                    for palette in palettes {
                        let mapper = PaletteMapper(palette: palette, colorSpace: .oklab)
                        for dither in Self.dithers {
                            let cpu = DitherKernel.map(image, mapper: mapper, dither: dither)
                            let gpu = try backend.map(image, mapper: mapper, dither: dither)
                            XCTAssertTrue(gpu.indices == cpu.indices,
                                          "oklab \(w)x\(h), \(palette.count) colours, \(dither): \(firstDifference(gpu.indices, cpu.indices))")
                        }
                    }
                }
            }
        }
    }

    func testEmptyImage() throws {
        let backend = try vulkan()
        let mapper = PaletteMapper(palette: Palette([RGB8(0, 0, 0)]))
        for (w, h) in [(0, 0), (0, 5), (5, 0)] {
            let out = try backend.map(RGBImage(width: w, height: h), mapper: mapper, dither: Dither(.floydSteinberg))
            XCTAssertEqual(out, IndexedImage(width: w, height: h, indices: []))
        }
    }

    /// A decoded-size frame with the product's palette for it.
    func testLargerFrameWithMedianCutPalette() throws {
        let backend = try vulkan()
        var rng = TestRNG(3)
        let image = Images.smooth(203, 61, &rng)
        let mapper = PaletteMapper(palette: try Images.medianCutPalette(image, 255))
        for dither in Self.dithers {
            let cpu = DitherKernel.map(image, mapper: mapper, dither: dither)
            let gpu = try backend.map(image, mapper: mapper, dither: dither)
            XCTAssertTrue(gpu.indices == cpu.indices, "\(dither): \(firstDifference(gpu.indices, cpu.indices))")
        }
    }

    /// Calls from several threads at once (the Transcoder's way) give each its own answer.
    func testConcurrentCallsMatchCPU() throws {
        let backend = try vulkan()
        var rng = TestRNG(4)
        let images = (0..<8).map { i in Images.smooth(31 + i, 17 + 2 * i, &rng) }
        let mappers = (0..<3).map { _ in PaletteMapper(palette: Images.randomPalette(40, &rng)) }
        let dithers = [Dither(.none), Dither(.bayer), Dither(.floydSteinberg), Dither(.atkinson), Dither(.blueNoise)]
        let results = Locked([Int: [UInt8]]())
        DispatchQueue.concurrentPerform(iterations: 40) { i in
            let r = try? backend.map(images[i % 8], mapper: mappers[i % 3], dither: dithers[i % 5])
            results.with { $0[i] = r?.indices ?? [] }
        }
        for i in 0..<40 {
            let cpu = DitherKernel.map(images[i % 8], mapper: mappers[i % 3], dither: dithers[i % 5])
            XCTAssertTrue(results.with { $0[i] } == cpu.indices, "call \(i)")
        }
    }
}

/// A value behind a lock, for collecting results from concurrent test threads.
final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func with<R>(_ body: (inout T) -> R) -> R { lock.withLock { body(&value) } }
}
