// gifsmith-devbench: times the pixel stages (convert, histogram, map+dither, frame changes; convert
// and map also batched, many frames a call) of the CPU and Vulkan backends on a .y4m clip and
// checks that Vulkan's bytes equal the CPU's. It needs
// neither FFmpeg nor a Swift toolchain at run time, so a static build can travel to a GPU
// machine (scripts/device-bench.sh). Exit codes: 0 ok, 1 Vulkan output differs, 2 error.
import Foundation
import GifsmithCore
import GifsmithGIF
import GifsmithVulkan

func fail(_ message: String, code: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("gifsmith-devbench: \(message)\n".utf8))
    exit(code)
}

func format(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }

func runDevBench() -> Int32 {
    let options: BenchOptions
    do {
        options = try BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
    } catch {
        let text = "\(error)"
        FileHandle.standardError.write(Data(((text.isEmpty ? "" : "gifsmith-devbench: \(text)\n") + BenchOptions.usage + "\n").utf8))
        return text.isEmpty ? 0 : 2
    }
    // Human-readable lines go to stdout, or to stderr when stdout carries the JSON.
    let say: (String) -> Void = { line in
        if options.json { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
    }

    do {
        let clip = try Y4MClip.read(path: options.input, maxFrames: max(options.frames, 1))
        let sources = clip.frames
        let crop = PixelSize(width: clip.width, height: clip.height)
        let size = try ScalePlan.outputSize(crop: crop, width: options.width == 0 ? nil : options.width, height: nil)
        let plan = try ScalePlan(sourceWidth: clip.width, sourceHeight: clip.height, layout: sources[0].layout,
                                 crop: nil, outputSize: size, filter: .bicubic)
        say("input \(options.input): \(clip.width)x\(clip.height) C\(clip.colorspaceTag), \(sources.count) frames; output \(size)")

        // Reference images (CPU) and the palette from the first frames' histogram.
        let cpu = CPUBackend()
        let images = try sources.map { try cpu.convert($0, plan: plan) }
        var histogram = ColorHistogram()
        for image in images.prefix(8) { try cpu.accumulateHistogram(image, into: &histogram) }
        let palette = try Quantizer.palette(from: histogram, maxColors: options.maxColors, kind: options.quantizer)
        let mapper = PaletteMapper(palette: palette)
        say("palette: \(palette.count) colours (\(options.quantizer.rawValue)); dither \(options.dither.method.rawValue); \(options.frames) frames a stage, \(options.threads) thread(s), batches of \(options.batch)")

        var report = DevBenchReport(
            input: options.input, sourceWidth: clip.width, sourceHeight: clip.height, sourceFrames: sources.count,
            colorspace: "C" + clip.colorspaceTag, outputWidth: size.width, outputHeight: size.height,
            dither: options.dither.method.rawValue, bayerScale: options.dither.bayerScale,
            framesPerStage: options.frames, threads: options.threads, batch: options.batch, minSeconds: options.seconds,
            paletteColors: palette.count)
        let indexed = try images.map { try cpu.map($0, mapper: mapper, dither: options.dither) }
        let bench = BackendBench(options: options, sources: sources, images: images, indexed: indexed, plan: plan, mapper: mapper)
        var status: Int32 = 0

        for label in options.backends {
            let backend: PixelBackend
            var verification: VerificationReport?
            if label == "vulkan" {
                do {
                    let devices = try VulkanDevices.list()
                    report.devices = devices
                    for d in devices {
                        say("vulkan device \(d.index): \(d.name) (\(d.type), API \(d.apiVersion), driver \(d.driver ?? "?"))")
                    }
                    let index = options.deviceIndex ?? VulkanDevices.autoChoice(devices).index ?? 0
                    let vk = try VulkanBackend(deviceIndex: index)
                    report.deviceIndex = index
                    report.deviceName = vk.device.name
                    say("using device \(index): \(vk.device.name)")
                    backend = vk
                } catch {
                    report.deviceError = "\(error)"
                    say("vulkan: unavailable: \(error)")
                    status = 2
                    continue
                }
                let checked = Array(sources.prefix(options.verifyFrames))
                if !checked.isEmpty {
                    let v = try Verification.compare(reference: cpu, other: backend, frames: checked, plan: plan,
                                                     mapper: mapper, dither: options.dither, batch: options.batch)
                    verification = v
                    report.identical = (report.identical ?? true) && v.passed
                    func word(_ ok: Bool) -> String { ok ? "identical" : "DIFFERS" }
                    var line = "verify (\(v.frames) frames): convert \(word(v.convert)), histogram \(word(v.histogram)), map \(word(v.map)), frame changes \(word(v.frameChanges))"
                    if let c = v.convertBatched, let m = v.mapBatched {
                        line += ", batched (\(options.batch) a call) convert \(word(c)), map \(word(m))"
                    }
                    say(line)
                    for d in v.details { say("  \(d)") }
                    if !v.passed { status = 1 }
                }
            } else {
                backend = cpu
            }
            var r = try bench.run(backend, label: label)
            r.verification = verification
            report.backends.append(r)
            say("\(r.name): warm-up \(format(r.warmupSeconds, 3)) s")
            var stages = [("convert", r.convert), ("histogram", r.histogram), ("map", r.map), ("changes", r.frameChanges),
                          ("pipeline", r.pipeline)]
            if let b = r.batch, let c = r.convertBatched, let m = r.mapBatched, let p = r.pipelineBatched {
                stages += [("convert×\(b)", c), ("map×\(b)", m), ("pipeline×\(b)", p)]
            }
            for (stage, s) in stages {
                say("  \(stage.padding(toLength: 12, withPad: " ", startingAt: 0)) \(format(s.fps).leftPad(9)) frames/s  \(format(s.msPerFrame, 3).leftPad(9)) ms/frame  (\(s.frames) frames, \(format(s.seconds, 2)) s)")
            }
            say("  stages summed: \(format(r.stageSumFps)) frames/s")
        }

        if options.encode {
            // LZW of the CPU's mapped frames (the same bytes as Vulkan's when verified).
            let encoders = EncoderBox(count: options.threads)
            let bytes = ByteCounter()
            let n = indexed.count
            let s = try StageTimer.run(frames: options.frames, threads: options.threads, seconds: options.seconds) { t, i in
                let input = GIFFrameInput(image: indexed[i % n], palette: palette, usesGlobalPalette: true, delayCentiseconds: 3)
                let out = GIFFrameEncoder.encode(input, previous: nil, optimize: false, using: encoders.encoders[t])
                bytes.add(out.count)
            }
            report.encode = s
            report.encodedBytesPerFrame = bytes.total / max(s.frames, 1)
            say("lzw encode (cpu): \(format(s.fps)) frames/s, \(report.encodedBytesPerFrame ?? 0) bytes a frame")
        }

        if options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        if report.identical == false { say("FAILED: Vulkan output differs from the CPU's") }
        return status
    } catch {
        FileHandle.standardError.write(Data("gifsmith-devbench: \(error)\n".utf8))
        return 2
    }
}

/// One LZW encoder a thread (each thread uses only its own).
final class EncoderBox: @unchecked Sendable {
    let encoders: [LZWEncoder]
    init(count: Int) { encoders = (0..<count).map { _ in LZWEncoder() } }
}

/// Encoded bytes, summed across threads.
final class ByteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var sum = 0
    func add(_ n: Int) { lock.withLock { sum += n } }
    var total: Int { lock.withLock { sum } }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

exit(runDevBench())
