import Foundation
import XCTest

/// `--backend`: Vulkan and CPU give the same file; an unusable Vulkan is a clear error (forced)
/// or a silent CPU (auto).
final class BackendTests: XCTestCase {
    /// lavapipe, Mesa's software Vulkan device, when installed: the device CI tests on.
    private var lavapipe: [String: String]? {
        let icd = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"
        guard FileManager.default.fileExists(atPath: icd) else { return nil }
        var env = ProcessInfo.processInfo.environment
        env["VK_ICD_FILENAMES"] = icd
        return env
    }

    private func convert(_ args: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        try runProcess(gifsmithBinary, ["convert"] + args + ["--quiet"], environment: environment)
    }

    /// End to end, every dither and both palette modes: `--backend vulkan` writes the bytes
    /// `--backend cpu` writes, with a crop and a scale so every stage is exercised.
    func testVulkanFileEqualsCPUFile() throws {
        guard let env = lavapipe else { throw XCTSkip("mesa-vulkan-drivers (lavapipe) is not installed") }
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=160x120:rate=10:duration=0.5", ["-pix_fmt", "yuv420p"])
        for dither in ["none", "bayer", "blue-noise", "floyd-steinberg", "sierra-2-4a", "atkinson"] {
            for palette in ["global", "per-frame"] {
                let common = [clip, "--crop", "150x100+3+7", "--width", "97", "--dither", dither, "--palette", palette, "--colors", "17"]
                let cpu = dir.file("cpu.gif"), gpu = dir.file("vulkan.gif")
                let a = try convert(common + ["-o", cpu, "--backend", "cpu"])
                XCTAssertEqual(a.status, 0, a.stderr)
                let b = try convert(common + ["-o", gpu, "--backend", "vulkan"], environment: env)
                XCTAssertEqual(b.status, 0, b.stderr)
                XCTAssertEqual(try sha256(gpu), try sha256(cpu), "\(dither) \(palette)")
            }
        }
    }

    /// Quantizers, lossy LZW and temporal stability are shared CPU code after the pixel stages, and a
    /// full-size first pass counts sampled quarters (plans the device runs too): the files stay identical.
    func testQuantizersAndLossyAgreeAcrossBackends() throws {
        guard let env = lavapipe else { throw XCTSkip("mesa-vulkan-drivers (lavapipe) is not installed") }
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=96x64:rate=10:duration=0.3", ["-pix_fmt", "yuv420p"])
        for extra in [["--quantizer", "wu"], ["--quantizer", "kmeans", "--lossy", "40"], ["--quantizer", "octree", "--palette", "per-frame"],
                      ["--palette", "scene", "--dither", "atkinson"], ["--stability", "2", "--dither", "blue-noise"],
                      ["--stability", "off"]] {
            let cpu = dir.file("cpu.gif"), gpu = dir.file("vulkan.gif")
            XCTAssertEqual(try convert([clip, "-o", cpu, "--backend", "cpu"] + extra).status, 0)
            XCTAssertEqual(try convert([clip, "-o", gpu, "--backend", "vulkan"] + extra, environment: env).status, 0)
            XCTAssertEqual(try sha256(gpu), try sha256(cpu), "\(extra)")
        }
    }

    /// `--colorspace oklab` (palettes and nearest colours in fixed-point OkLab): the same file on
    /// both backends for every dither and palette mode, and a different file from `rgb`.
    func testOkLabAgreesAcrossBackends() throws {
        guard let env = lavapipe else { throw XCTSkip("mesa-vulkan-drivers (lavapipe) is not installed") }
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=96x64:rate=10:duration=0.3", ["-pix_fmt", "yuv420p"])
        for extra in [["--dither", "none"], ["--dither", "bayer", "--palette", "per-frame"], ["--dither", "blue-noise"],
                      ["--dither", "floyd-steinberg", "--quantizer", "kmeans"], ["--dither", "sierra-2-4a", "--palette", "scene"],
                      ["--dither", "atkinson", "--quantizer", "wu", "--colors", "17"]] {
            let cpu = dir.file("cpu.gif"), gpu = dir.file("vulkan.gif"), rgb = dir.file("rgb.gif")
            let a = try convert([clip, "-o", cpu, "--backend", "cpu", "--colorspace", "oklab"] + extra)
            XCTAssertEqual(a.status, 0, a.stderr)
            let b = try convert([clip, "-o", gpu, "--backend", "vulkan", "--colorspace", "oklab"] + extra, environment: env)
            XCTAssertEqual(b.status, 0, b.stderr)
            XCTAssertEqual(try sha256(gpu), try sha256(cpu), "\(extra)")
            XCTAssertEqual(try convert([clip, "-o", rgb, "--backend", "cpu"] + extra).status, 0)
            XCTAssertNotEqual(try sha256(rgb), try sha256(cpu), "\(extra): oklab changed nothing")
        }
        let bad = try convert([clip, "-o", dir.file("bad.gif"), "--colorspace", "lab"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--colorspace 'lab' is not one of rgb, oklab"), bad.stderr)
    }

    func testForcedVulkanWithoutDriverFailsCleanly() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=64x48:rate=5:duration=0.4", ["-pix_fmt", "yuv420p"])
        var env = ProcessInfo.processInfo.environment
        env["VK_ICD_FILENAMES"] = dir.file("no-such-icd.json")
        let out = dir.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let r = try convert([clip, "-o", out + "/x.gif", "--backend", "vulkan"], environment: env)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("Vulkan"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), [])

        // auto without a driver is simply the CPU backend.
        let auto = try convert([clip, "-o", out + "/y.gif"], environment: env)
        XCTAssertEqual(auto.status, 0, auto.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/y.gif"))
    }

    func testBackendOptionSpellings() throws {
        let r = try convert(["x.mp4", "-o", "x.gif", "--backend", "gpu"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--backend 'gpu'"), r.stderr)
    }

    /// `devices` names lavapipe as a CPU-type device that auto does not pick.
    func testDevicesListsLavapipeAndExplainsAuto() throws {
        guard let env = lavapipe else { throw XCTSkip("mesa-vulkan-drivers (lavapipe) is not installed") }
        let r = try runProcess(gifsmithBinary, ["devices", "--json"], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any]
        let devices = report?["devices"] as? [[String: Any]] ?? []
        XCTAssertTrue(devices.contains { ($0["type"] as? String) == "cpu" && ($0["name"] as? String ?? "").contains("llvmpipe") }, r.text)
        XCTAssertNil(report?["autoDevice"] as? Int)
        XCTAssertTrue((report?["autoReason"] as? String ?? "").contains("no GPU"), r.text)
    }
}
