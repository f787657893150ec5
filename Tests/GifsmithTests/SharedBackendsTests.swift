import Foundation
import XCTest
import Gifsmith
import GifsmithCore

/// `SharedBackends`: one backend per choice for many transcoders (a batch's concurrent items).
final class SharedBackendsTests: XCTestCase {
    /// The Vulkan backend, resolved through `shared`; skips where no Vulkan device can compute
    /// (CI pins lavapipe through VK_ICD_FILENAMES).
    private func vulkan(_ shared: SharedBackends) throws -> any PixelBackend {
        do {
            return try shared.backend(for: .vulkan(device: nil))
        } catch {
            throw XCTSkip("no Vulkan device: \(error)")
        }
    }

    func testEachChoiceResolvesOnce() throws {
        let shared = SharedBackends()
        let a = try vulkan(shared), b = try vulkan(shared)
        XCTAssertTrue((a as AnyObject) === (b as AnyObject), "the same device for every transcoder")
        XCTAssertFalse(try shared.backend(for: .cpu).name.hasPrefix("vulkan"))
    }

    /// Two clips converted at the same time through one shared Vulkan device give the bytes the
    /// CPU gives each of them.
    func testConcurrentTranscodesOnOneDeviceMatchTheCPU() throws {
        let shared = SharedBackends()
        _ = try vulkan(shared)
        let dir = try Scratch()
        let clips = [dir.file("a.mp4"), dir.file("b.mp4")]
        try makeClip(clips[0], lavfi: "testsrc2=size=96x64:rate=10:duration=0.5", ["-pix_fmt", "yuv420p"])
        try makeClip(clips[1], lavfi: "mandelbrot=size=80x60:rate=10", ["-t", "0.5", "-pix_fmt", "yuv420p"])
        var options = ConvertOptions()
        options.backend = .vulkan(device: nil)
        let failures = LockedErrors()
        let gpuOptions = options, outputs = [dir.file("gpu0.gif"), dir.file("gpu1.gif")]
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            do {
                try Transcoder(options: gpuOptions, shared: shared).convert(input: clips[i], output: outputs[i])
            } catch {
                failures.append("\(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
        var cpu = options
        cpu.backend = .cpu
        for i in 0..<2 {
            try Transcoder(options: cpu).convert(input: clips[i], output: dir.file("cpu\(i).gif"))
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.file("gpu\(i).gif"))),
                           try Data(contentsOf: URL(fileURLWithPath: dir.file("cpu\(i).gif"))), "clip \(i)")
        }
    }
}

private final class LockedErrors: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [String] = []
    func append(_ e: String) { lock.withLock { errors.append(e) } }
    var all: [String] { lock.withLock { errors } }
}
