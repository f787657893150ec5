import ArgumentParser
import Foundation
import Gifsmith
import GifsmithCore

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a video (or still image) to an animated GIF.",
        discussion: """
        Examples:
          gifsmith convert clip.mp4 -o clip.gif --width 480 --fps 15
          gifsmith convert clip.mp4 -o banner.gif --crop 1200x300+168+170 --loop 0
          gifsmith convert clip.mp4 -o - > clip.gif
        """
    )

    @Argument(help: "Input video or image: anything FFmpeg reads. '-' reads standard input.")
    var input: String

    @Option(name: .shortAndLong, help: "Output GIF path; '-' writes to standard output.")
    var output: String

    @Option(help: "Output width in pixels (1...16384); alone, the height keeps the aspect.")
    var width: Int?

    @Option(help: "Output height in pixels (1...16384); alone, the width keeps the aspect.")
    var height: Int?

    @Option(help: "Crop WxH+X+Y in source pixels, before scaling.")
    var crop: String?

    @Option(name: .customLong("crop-aspect"), help: "Centred crop to an aspect ratio, e.g. 16:9 or 1:1.")
    var cropAspect: String?

    @Option(help: "Output frame rate (e.g. 15, 29.97, 30000/1001). At most 50. Default: the source's timing, dropping frames shorter than 2 cs.")
    var fps: String?

    @Option(help: "Start at this many seconds into the source.")
    var start: Double?

    @Option(help: "Seconds of output.")
    var duration: Double?

    @Option(help: "Colours in the palette, 2...256 (256 keeps one entry for transparency).")
    var colors: Int = 256

    @Option(help: "Dither: none, bayer, blue-noise, floyd-steinberg, sierra-2-4a, atkinson.")
    var dither: String = DitherMethod.sierra24a.rawValue

    @Option(name: .customLong("bayer-scale"), help: "Bayer and blue-noise pattern scale 0...5 (higher: weaker pattern).")
    var bayerScale: Int = 2

    @Option(help: "Palette: scene (one per scene, new at cuts; the default), global (one for the clip), per-frame (a local table per frame).")
    var palette: String = PaletteMode.scene.rawValue

    @Option(help: "Loop: 0 = forever (default), N = N more times, none = play once.")
    var loop: String = "0"

    @Option(help: "Palette builder: median-cut (default), wu, kmeans (median cut refined by k-means), octree.")
    var quantizer: String = QuantizerKind.medianCut.rawValue

    @Option(help: "Colour space for palettes and nearest colours: rgb (default) or oklab (perceptual, fixed point; same bytes on every backend).")
    var colorspace: String = ColorSpace.rgb.rawValue

    @Option(help: "Lossy LZW level 0...10000 (0 = off): pixels may show a colour within lossy/4 of their own to compress better.")
    var lossy: Int = 0

    @Option(help: "Temporal stability, N levels (0...64): a pixel keeps its previous index while its colour stays within N (less where palette colours are closer) of the colour that index was chosen for, or while that index is still within 1 level (flat areas) to N (busy detail) as close as the newly mapped one; off turns it off. Default 10.")
    var stability: String?

    @Option(help: "One knob 1...100 for size against fidelity: sets --colors and --lossy (see the README).")
    var quality: Int?

    @Option(name: .customLong("max-size"), help: "Largest acceptable GIF, e.g. 2MB, 500KB, 1.5MiB: settings give way in a documented order until it fits.")
    var maxSize: String?

    @Option(help: "Scaling filter: bicubic (sharp, default) or area (box average).")
    var scaler: String = ScaleFilter.bicubic.rawValue

    @Flag(name: .customLong("no-optimize"), help: "Store every frame whole (no changed-rectangle or transparency optimisation).")
    var noOptimize = false

    @Option(help: "Worker threads; 0 = one per core.")
    var threads: Int = 0

    @Option(help: "Pixel stages on: auto (a GPU if there is one, else the CPU), cpu, or vulkan. Same bytes either way.")
    var backend: String = "auto"

    @Option(help: "Vulkan device index (see `gifsmith devices`); implies --backend vulkan.")
    var device: Int?

    @Flag(help: "Print progress and the result as JSON lines (on stdout, or stderr when -o -).")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        let options: ConvertOptions
        do {
            options = try makeOptions()
        } catch let e as GifsmithError {
            ExitCodes.fail(e)
        }
        let reporter = ProgressReporter(mode: json ? .json(toStderr: output == "-") : (quiet ? .quiet : .terminal), input: input)
        let cancellation = CancellationFlag()
        let signals = SignalTrap(cancellation: cancellation)
        defer { signals.release() }
        do {
            let transcoder = Transcoder(options: options)
            let result: TranscodeResult
            if let maxSize {
                guard let target = SizeTarget(parsing: maxSize) else {
                    throw GifsmithError.invalidOption("--max-size '\(maxSize)' is not a size of at least 1 KiB (e.g. 2MB, 500KB, 1.5MiB)")
                }
                result = try transcoder.convert(input: input, output: output, fitting: target, cancellation: cancellation) {
                    if case .finished = $0 { return }
                    reporter.handle($0)
                }.result
            } else {
                result = try transcoder.convert(input: input, output: output, cancellation: cancellation) { reporter.handle($0) }
            }
            reporter.finish(result)
        } catch let e as GifsmithError {
            reporter.abort()
            reporter.failed(e)
            ExitCodes.fail(e)
        }
    }

    /// The options as the library takes them; `batch` reuses this for per-item options.
    func makeOptions() throws -> ConvertOptions {
        var o = ConvertOptions(width: width, height: height, start: start, duration: duration, colors: colors, threads: threads)
        if let crop {
            guard let rect = PixelRect(geometry: crop) else {
                throw GifsmithError.invalidOption("--crop '\(crop)' is not WxH+X+Y (e.g. 1200x300+168+170)")
            }
            o.crop = rect
        }
        if let cropAspect {
            guard let a = AspectRatio(parsing: cropAspect) else {
                throw GifsmithError.invalidOption("--crop-aspect '\(cropAspect)' is not W:H (e.g. 16:9)")
            }
            o.cropAspect = a
        }
        if let fps {
            guard let r = FrameRate(parsing: fps) else {
                throw GifsmithError.invalidOption("--fps '\(fps)' is not a frame rate (e.g. 15, 29.97 or 30000/1001)")
            }
            o.fps = r
        }
        guard let method = DitherMethod(rawValue: dither) else {
            throw GifsmithError.invalidOption("--dither '\(dither)' is not one of \(DitherMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        o.dither = Dither(method, bayerScale: bayerScale)
        guard let mode = PaletteMode(rawValue: palette) else {
            throw GifsmithError.invalidOption("--palette '\(palette)' is not one of \(PaletteMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        o.paletteMode = mode
        guard let filter = ScaleFilter(rawValue: scaler) else {
            throw GifsmithError.invalidOption("--scaler '\(scaler)' is not one of \(ScaleFilter.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        o.filter = filter
        switch loop {
        case "0", "forever": o.loop = .forever
        case "none", "-1": o.loop = .none
        default:
            guard let n = Int(loop), n > 0 else {
                throw GifsmithError.invalidOption("--loop '\(loop)' is not 0 (forever), a positive count, or none")
            }
            o.loop = .count(n)
        }
        o.optimize = !noOptimize
        guard let kind = QuantizerKind(rawValue: quantizer) else {
            throw GifsmithError.invalidOption("--quantizer '\(quantizer)' is not one of \(QuantizerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        o.quantizer = kind
        guard let space = ColorSpace(rawValue: colorspace) else {
            throw GifsmithError.invalidOption("--colorspace '\(colorspace)' is not one of \(ColorSpace.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        o.colorspace = space
        o.lossy = lossy
        if let stability {
            if stability == "off" {
                o.stability = nil
            } else {
                guard let n = Int(stability) else { throw GifsmithError.invalidOption("--stability '\(stability)' is not a number of levels or off") }
                o.stability = n
            }
        }
        if let quality { try o.applyQuality(quality) }
        guard let choice = BackendChoice(parsing: backend, device: device), !(backend == "cpu" && device != nil) else {
            throw GifsmithError.invalidOption(backend == "cpu" ? "--device needs --backend vulkan or auto, not cpu"
                                                               : "--backend '\(backend)' is not one of auto, cpu, vulkan")
        }
        o.backend = choice
        try o.validate()
        return o
    }
}
