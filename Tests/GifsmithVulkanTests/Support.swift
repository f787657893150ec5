import Foundation
import XCTest
import GifsmithCore
@testable import GifsmithVulkan

/// The backends under test, made once per test process (device creation and pipeline builds
/// are the slow part on lavapipe).
enum Backends {
    /// The device the tests run on: GIFSMITH_VK_DEVICE if set, else the first one (CI pins
    /// lavapipe with VK_ICD_FILENAMES, which `auto` would never pick).
    static let deviceIndex = Int(ProcessInfo.processInfo.environment["GIFSMITH_VK_DEVICE"] ?? "") ?? 0

    static let plain: Result<VulkanBackend, any Error> = Result { try VulkanBackend(deviceIndex: deviceIndex) }

    /// Every transfer through staging buffers (the discrete-GPU path) and a tiny diffusion
    /// workgroup, so frames taller than it run in several bands with the long-lag schedule.
    static let staged: Result<VulkanBackend, any Error> = Result {
        try VulkanBackend(deviceIndex: deviceIndex, options: .init(forceStaging: true, diffusionGroupSize: 4))
    }

    /// A batch budget of 20 000 bytes: a few small frames a submission, so batches of test
    /// size run as several submissions.
    static let smallBatches: Result<VulkanBackend, any Error> = Result {
        try VulkanBackend(deviceIndex: deviceIndex, options: .init(batchBytes: 20_000))
    }
}

/// The backend, or a skip naming why there is none.
func vulkan(_ which: Result<VulkanBackend, any Error> = Backends.plain) throws -> VulkanBackend {
    switch which {
    case let .success(b): return b
    case let .failure(e): throw XCTSkip("no usable Vulkan device: \(e)")
    }
}

/// SplitMix64: reproducible test data.
struct TestRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
}

enum Images {
    /// Uniform noise: every colour equally likely, extremes included.
    static func noise(_ w: Int, _ h: Int, _ rng: inout TestRNG) -> RGBImage {
        RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in rng.byte() })
    }

    /// Like a decoded video frame: smooth ramps with a little noise, flat runs, and saturated
    /// patches where clamping matters.
    static func smooth(_ w: Int, _ h: Int, _ rng: inout TestRNG) -> RGBImage {
        var px = [UInt8]()
        px.reserveCapacity(w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let n = rng.int(0...6)
                if (x / 5 + y / 3) % 7 == 0 {
                    px += [255, 255, 0]
                } else if (x / 4 + y / 4) % 9 == 0 {
                    px += [0, 0, 0]
                } else {
                    px += [UInt8(min(255, x * 255 / max(w - 1, 1) + n)), UInt8(min(255, y * 255 / max(h - 1, 1) + n / 2)),
                           UInt8(truncatingIfNeeded: 90 + (x * y) % 60 + n)]
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: px)
    }

    static func randomPalette(_ count: Int, _ rng: inout TestRNG) -> Palette {
        Palette((0..<count).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) })
    }

    /// A palette made as the product makes it: median cut over the image's histogram.
    static func medianCutPalette(_ image: RGBImage, _ count: Int) throws -> Palette {
        var h = ColorHistogram()
        h.add(image)
        return try MedianCut.palette(from: h, maxColors: count)
    }
}

/// The first index where two byte arrays differ, for messages.
func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
    if a.count != b.count { return "sizes \(a.count) and \(b.count)" }
    guard let i = a.indices.first(where: { a[$0] != b[$0] }) else { return "none" }
    return "byte \(i): \(a[i]) vs \(b[i]) (\(zip(a, b).filter { $0 != $1 }.count) bytes differ)"
}
