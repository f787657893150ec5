import Foundation
import Gifsmith
import GifsmithCore

/// The outcome of a benchmark run.
public struct BenchReport: Sendable, Codable {
    public var rows: [BenchRow]
    /// Things the reader should know (a reference tool missing, a failed run).
    public var notes: [String]
    /// Per clip: the crop of the reference frame (relative path, BMP).
    public var referenceCrops: [String: String]
    /// How the numbers were made, for the report's readers.
    public var method: String
}

/// Runs the matrix, scores every GIF, and writes results.csv, results.json, index.html and the
/// GIFs and crops into the report folder.
public struct BenchRunner: Sendable {
    public let options: BenchOptions
    public init(options: BenchOptions) { self.options = options }

    public static let method = """
    Reference: each clip decoded by GifsmithMedia and converted by GifsmithCore's integer kernel \
    (bicubic, tagged matrix/range) at the GIF's size, no quantisation. GIF frame k is paired by its \
    start (sum of earlier delays): with --fps snapped to the exact 1/fps grid and the source frame \
    shown at that grid time; without, the source frame starting nearest to it. PSNR: over R, G, B \
    of the sampled frames, from their mean MSE, capped at 100 dB. SSIM: per channel R, G, B on 8x8 \
    windows stepped by 4 (as FFmpeg's ssim filter), K1=0.01, K2=0.03, averaged over channels and \
    sampled frames. Flicker: over each sampled frame and the one before it, the share of pixels \
    static in the reference (every channel within the static threshold) whose GIF RGB changed. \
    Butteraugli and SSIMULACRA (when Debian's libjxl-devtools is installed): libjxl 0.7's \
    butteraugli_main (max-norm distance and its 3-norm, default 80-nit intensity target) and \
    ssimulacra_main (the original SSIMULACRA, not SSIMULACRA 2) on the same sampled frame pairs, \
    written as sRGB PPM, averaged over the frames; lower is better for both, 0 is identical, a \
    butteraugli distance below about 1 is hard to see.
    """

    /// Runs everything. `log` receives one line per step (for a terminal).
    public func run(log: (String) -> Void = { _ in }) throws -> BenchReport {
        let fm = FileManager.default
        let dir = options.reportDirectory
        try fm.createDirectory(atPath: "\(dir)/gifs", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: "\(dir)/crops", withIntermediateDirectories: true)
        guard !options.clips.isEmpty else { throw BenchError.invalidOption("no clips given") }
        guard !options.quantizers.isEmpty, !options.dithers.isEmpty, !options.colorSpaces.isEmpty, !options.lossy.isEmpty else {
            throw BenchError.invalidOption("--quantizers, --dithers, --colorspaces and --lossy each need at least one value")
        }
        var rows: [BenchRow] = []
        var notes: [String] = []
        var refCrops: [String: String] = [:]
        let ffmpeg = options.references.contains("ffmpeg") || options.references.contains("gifsicle") ? ExternalTools.find("ffmpeg") : nil
        let gifsicle = options.references.contains("gifsicle") ? ExternalTools.find("gifsicle") : nil
        if options.references.contains("ffmpeg") && ffmpeg == nil { notes.append("ffmpeg is not installed: no FFmpeg reference rows.") }
        if options.references.contains("gifsicle") && gifsicle == nil { notes.append("gifsicle is not installed (Debian package `gifsicle`): no gifsicle reference rows.") }
        if options.references.contains("gifsicle") && gifsicle != nil && ffmpeg == nil { notes.append("gifsicle rows need FFmpeg's GIF as input: skipped.") }
        let perceptual = options.perceptual ? PerceptualTools.find() : .none
        if options.perceptual { notes += perceptual.missingNotes } else { notes.append("Perceptual metrics turned off (--no-perceptual): the butteraugli and ssimulacra columns are empty.") }

        var usedNames: Set<String> = []
        for clip in options.clips {
            var name = ((clip as NSString).lastPathComponent as NSString).deletingPathExtension
            while usedNames.contains(name) { name += "_" }
            usedNames.insert(name)
            log("\(name): decoding reference")
            let reference = try ReferenceClip(path: clip)
            let size = try reference.outputSize(width: options.width)
            var cropAt: Int?
            var clipRows: [BenchRow] = []
            var refCropSource: Int?

            func score(_ gifPath: String, tool: String, quantizer: String, dither: String, lossy: Int, seconds: Double,
                       colorSpace: ColorSpace = .rgb) throws {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: gifPath)))
                let s = try GIFScorer.score(gif: bytes, reference: reference, fps: options.fps, framesSampled: options.framesSampled,
                                            staticThreshold: options.staticThreshold, cropCentiseconds: cropAt, perceptual: perceptual)
                var row = BenchRow(clip: name, tool: tool, quantizer: quantizer, dither: dither, lossy: lossy, colors: options.colors,
                                   width: s.width, height: s.height, frames: s.frames, bytes: bytes.count, seconds: seconds,
                                   psnr: s.psnr, ssim: s.ssim, flicker: s.flicker, framesScored: s.perFrame.count,
                                   perFrame: s.perFrame, gif: "gifs/" + (gifPath as NSString).lastPathComponent, crop: nil)
                row.colorSpace = colorSpace.rawValue
                row.butteraugli = s.perceptual.butteraugli
                row.butteraugli3Norm = s.perceptual.butteraugli3Norm
                row.ssimulacra = s.perceptual.ssimulacra
                for n in s.perceptualNotes where !notes.contains("\(name): \(n)") { notes.append("\(name): \(n)") }
                let c = BMPWriter.centreCrop(rgb: s.cropFrame, width: s.width, height: s.height, cropWidth: 160, cropHeight: 120)
                let cropName = "crops/" + ((gifPath as NSString).lastPathComponent as NSString).deletingPathExtension + ".bmp"
                try Data(BMPWriter.encode(rgb: c.rgb, width: c.width, height: c.height)).write(to: URL(fileURLWithPath: "\(dir)/\(cropName)"))
                row.crop = cropName
                if refCropSource == nil { refCropSource = s.cropSourceFrame }
                clipRows.append(row)
                let label = row.setting.count >= 34 ? row.setting : row.setting + String(repeating: " ", count: 34 - row.setting.count)
                func opt(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "n/a" }
                log("  " + label + String(format: " %10d B %7.2f s  PSNR %6.2f  SSIM %.4f  flicker ", row.bytes, seconds, row.psnr, row.ssim)
                    + opt(row.flicker, "%.4f") + "  butteraugli " + opt(row.butteraugli, "%.3f") + "  ssimulacra " + opt(row.ssimulacra, "%.4f"))
            }

            // Fix the crop moment from the clip's frame times, so every tool is cropped at the same instant.
            let durationCs = Int((reference.pts.last! - max(reference.pts[0], 0)) / 10_000)
            cropAt = max(0, durationCs / 2)

            for q in options.quantizers {
                for d in options.dithers {
                  for cs in options.colorSpaces {
                    for l in options.lossy {
                        let file = "\(name)-\(q.rawValue)-\(d.rawValue)" + (cs == .rgb ? "" : "-\(cs.rawValue)") + "-l\(l).gif"
                        let out = "\(dir)/gifs/\(file)"
                        let o = ConvertOptions(width: size.width, height: size.height, fps: options.fps, colors: options.colors,
                                               dither: Dither(d), backend: options.backend, quantizer: q, lossy: l, colorspace: cs)
                        let label = "\(q.rawValue)/\(d.rawValue)/\(cs.rawValue)/lossy \(l)"
                        let t0 = Date()
                        do {
                            _ = try Transcoder(options: o).convert(input: clip, output: out)
                        } catch {
                            notes.append("\(name) \(label) failed: \(error)")
                            log("  FAILED \(label): \(error)")
                            continue
                        }
                        let seconds = Date().timeIntervalSince(t0)
                        try score(out, tool: "gifsmith", quantizer: q.rawValue, dither: d.rawValue, lossy: l, seconds: seconds, colorSpace: cs)
                    }
                  }
                }
            }
            if let ffmpeg {
                let ffOut = "\(dir)/gifs/\(name)-ffmpeg.gif"
                do {
                    let sec = try ExternalTools.ffmpegGIF(ffmpeg: ffmpeg, clip: clip, output: ffOut, width: size.width, height: size.height,
                                                          fps: options.fps, colors: options.colors)
                    if options.references.contains("ffmpeg") {
                        try score(ffOut, tool: "ffmpeg", quantizer: "palettegen", dither: "sierra2_4a", lossy: 0, seconds: sec)
                    }
                    if let gifsicle {
                        let levels = options.lossy.filter { $0 > 0 }
                        for l in levels.isEmpty ? [40] : levels {
                            let gsOut = "\(dir)/gifs/\(name)-gifsicle-l\(l).gif"
                            let s2 = try ExternalTools.gifsicle(gifsicle, input: ffOut, output: gsOut, lossy: l)
                            try score(gsOut, tool: "gifsicle", quantizer: "palettegen", dither: "sierra2_4a", lossy: l, seconds: sec + s2)
                        }
                    }
                } catch {
                    notes.append("\(name): reference tool failed: \(error)")
                }
            }
            if let s = refCropSource {
                let ref = try reference.frames([s], size: size)[s]!
                let c = BMPWriter.centreCrop(rgb: ref.pixels, width: size.width, height: size.height, cropWidth: 160, cropHeight: 120)
                let cropName = "crops/\(name)-reference.bmp"
                try Data(BMPWriter.encode(rgb: c.rgb, width: c.width, height: c.height)).write(to: URL(fileURLWithPath: "\(dir)/\(cropName)"))
                refCrops[name] = cropName
            }
            rows += clipRows
        }
        let report = BenchReport(rows: rows, notes: notes, referenceCrops: refCrops, method: Self.method)
        try ReportWriter.write(report, options: options, to: dir)
        return report
    }
}
