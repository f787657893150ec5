import ArgumentParser
import Foundation
import Gifsmith
import GifsmithBench
import GifsmithCore

/// `gifsmith bench`: quantizers × dithers × lossy levels on clips, scored against the unquantised frames.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Compare quantizers, dithers and lossy levels: bytes, time, PSNR, SSIM, flicker, butteraugli; CSV, JSON and an HTML report.",
        discussion: """
        Every clip is converted with every combination (in process, one at a time), each GIF is decoded \
        and compared with the clip's frames converted at the same size without quantisation. \
        REPORT_DIR gets results.csv, results.json, index.html (offline; inline SVG plots), gifs/ and crops/.

        PSNR: RGB, from the mean MSE of the scored frames, capped at 100 dB. SSIM: per channel on 8x8 \
        windows stepped by 4 (FFmpeg's ssim filter's window), averaged over R, G, B. Flicker: share of \
        pixels static in the source (every channel within 2 levels) whose GIF colour changed between \
        consecutive frames; lower is better. Butteraugli and SSIMULACRA: libjxl's butteraugli_main \
        (max-norm distance, and its 3-norm) and ssimulacra_main on the same sampled frames, when \
        Debian's libjxl-devtools is installed (else n/a, with a note); lower is better, 0 is identical. \
        They cost about 0.3 s per scored frame at 480x270; --no-perceptual skips them.

        --reference ffmpeg adds FFmpeg's two-pass palettegen+paletteuse (sierra2_4a) at the same size; \
        gifsicle adds `gifsicle -O3 --lossy=N` on FFmpeg's GIF for each --lossy level above 0. Tools \
        that are not installed are skipped with a note.

        Exit codes: 0 done; 64 bad option; 65 a clip is unusable; 73 REPORT_DIR cannot be written.

        Example:
          gifsmith bench clip.mp4 -o report/ --quantizers median-cut,wu --dithers none,sierra-2-4a --lossy 0,40 --reference ffmpeg
        """
    )

    @Argument(help: "Video clips.")
    var clips: [String]

    @Option(name: .shortAndLong, help: "Report folder (created if missing).")
    var output: String

    @Option(help: "Comma-separated quantizers: median-cut, wu, kmeans, octree.")
    var quantizers: String = QuantizerKind.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Comma-separated dithers: none, bayer, blue-noise, floyd-steinberg, sierra-2-4a, atkinson.")
    var dithers: String = "none,sierra-2-4a"

    @Option(help: "Comma-separated colour spaces for nearest colour: rgb, oklab.")
    var colorspaces: String = "rgb"

    @Option(help: "Comma-separated lossy LZW levels (0 = off).")
    var lossy: String = "0"

    @Option(help: "Palette size 2...256.")
    var colors: Int = 256

    @Option(help: "Output width (the height keeps the aspect); 0 keeps the source width.")
    var width: Int = 480

    @Option(help: "Resample onto a regular frame rate (as convert --fps).")
    var fps: String?

    @Option(name: .customLong("frames-sampled"), help: "GIF frames scored per setting, evenly spread; 0 scores all.")
    var framesSampled: Int = 8

    @Option(help: "Comma-separated reference tools: ffmpeg, gifsicle.")
    var reference: String = ""

    @Option(help: "Backend for gifsmith's encodes: cpu, vulkan, auto.")
    var backend: String = "cpu"

    @Flag(inversion: .prefixedNo, help: "Score with libjxl's butteraugli_main and ssimulacra_main when installed.")
    var perceptual = true

    @Flag(help: "Print the results as JSON on stdout instead of a table.")
    var json = false

    func run() throws {
        func list(_ s: String) -> [String] { s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        func usage(_ m: String) -> Never { ExitCodes.fail(.invalidOption(m)) }
        var qs: [QuantizerKind] = []
        for q in list(quantizers) {
            guard let k = QuantizerKind(rawValue: q) else { usage("--quantizers: '\(q)' is not one of \(QuantizerKind.allCases.map(\.rawValue).joined(separator: ", "))") }
            qs.append(k)
        }
        var ds: [DitherMethod] = []
        for d in list(dithers) {
            guard let m = DitherMethod(rawValue: d) else { usage("--dithers: '\(d)' is not one of \(DitherMethod.allCases.map(\.rawValue).joined(separator: ", "))") }
            ds.append(m)
        }
        var cs: [ColorSpace] = []
        for c in list(colorspaces) {
            guard let v = ColorSpace(rawValue: c) else { usage("--colorspaces: '\(c)' is not one of \(ColorSpace.allCases.map(\.rawValue).joined(separator: ", "))") }
            cs.append(v)
        }
        var ls: [Int] = []
        for l in list(lossy) {
            guard let v = Int(l), (0...10000).contains(v) else { usage("--lossy: '\(l)' is not an integer in 0...10000") }
            ls.append(v)
        }
        let refs = list(reference)
        for r in refs where r != "ffmpeg" && r != "gifsicle" { usage("--reference: '\(r)' is not ffmpeg or gifsicle") }
        guard (2...256).contains(colors) else { usage("--colors \(colors) is outside 2...256") }
        guard width == 0 || (1...16384).contains(width) else { usage("--width \(width) is outside 1...16384") }
        guard framesSampled >= 0 else { usage("--frames-sampled must be 0 or more") }
        var rate: FrameRate?
        if let fps {
            guard let r = FrameRate(parsing: fps) else { usage("--fps '\(fps)' is not a frame rate") }
            rate = r
        }
        guard let choice = BackendChoice(parsing: backend, device: nil) else { usage("--backend '\(backend)' is not cpu, vulkan or auto") }
        guard !qs.isEmpty, !ds.isEmpty, !cs.isEmpty, !ls.isEmpty else { usage("--quantizers, --dithers, --colorspaces and --lossy each need a value") }

        let options = BenchOptions(clips: clips, reportDirectory: output, quantizers: qs, dithers: ds, lossy: ls, colors: colors,
                                   width: width == 0 ? nil : width, fps: rate, framesSampled: framesSampled, references: refs,
                                   backend: choice, perceptual: perceptual, colorSpaces: cs)
        let report: BenchReport
        do {
            report = try BenchRunner(options: options).run { line in
                if !json { FileHandleOutput.stderr(line + "\n") }
            }
        } catch let e as GifsmithError {
            ExitCodes.fail(e)
        } catch let e as BenchError {
            if case .invalidOption = e { ExitCodes.fail(.invalidOption(e.description)) }
            FileHandleOutput.stderr("gifsmith: \(e)\n")
            Foundation.exit(ExitCodes.badInput)
        } catch let e as CocoaError where e.code.rawValue >= 512 && e.code.rawValue < 1024 {
            ExitCodes.fail(.output("\(output): \(e.localizedDescription)"))
        } catch {
            ExitCodes.fail(.internal("\(error)"))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(report)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        // String(format:) ignores widths on %@ on Linux: pad by hand.
        func pad(_ t: String, _ n: Int) -> String { t.count >= n ? t : t + String(repeating: " ", count: n - t.count) }
        func lpad(_ t: String, _ n: Int) -> String { t.count >= n ? t : String(repeating: " ", count: n - t.count) + t }
        func opt(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "n/a" }
        print(pad("clip", 14) + pad("setting", 34) + lpad("bytes", 11) + lpad("seconds", 9) + lpad("PSNR dB", 9) + lpad("SSIM", 8)
              + lpad("flicker", 9) + lpad("butteraugli", 12) + lpad("b-3norm", 9) + lpad("ssimulacra", 11))
        for r in report.rows {
            print(pad(r.clip, 14) + pad(r.setting, 34) + lpad("\(r.bytes)", 11) + lpad(String(format: "%.3f", r.seconds), 9)
                  + lpad(String(format: "%.2f", r.psnr), 9) + lpad(String(format: "%.4f", r.ssim), 8)
                  + lpad(opt(r.flicker, "%.4f"), 9) + lpad(opt(r.butteraugli, "%.3f"), 12) + lpad(opt(r.butteraugli3Norm, "%.3f"), 9)
                  + lpad(opt(r.ssimulacra, "%.4f"), 11))
        }
        print("higher is better: PSNR, SSIM; lower is better: flicker, butteraugli (max-norm; 3-norm), ssimulacra")
        for n in report.notes { print("note: \(n)") }
        print("report: \(output)/index.html")
    }
}
