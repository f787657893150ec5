import Gifsmith
import GifsmithCore

/// What `gifsmith bench` runs: every clip × quantizer × dither × colour space × lossy level.
public struct BenchOptions: Sendable {
    public var clips: [String]
    public var reportDirectory: String
    public var quantizers: [QuantizerKind]
    public var dithers: [DitherMethod]
    /// Where nearest colour is measured (`--colorspace`).
    public var colorSpaces: [ColorSpace]
    public var lossy: [Int]
    public var colors: Int
    /// Output width; nil keeps the source width.
    public var width: Int?
    public var fps: FrameRate?
    /// GIF frames scored per setting, evenly spread; 0 scores every frame.
    public var framesSampled: Int
    /// External reference rows: "ffmpeg" (two-pass palettegen + paletteuse sierra2_4a) and
    /// "gifsicle" (`-O3 --lossy=N` on FFmpeg's output). Skipped, with a note, when not installed.
    public var references: [String]
    public var backend: BackendChoice
    /// A reference pixel counts as static when no channel moved more than this (decoded video
    /// carries codec noise of a level or two on still areas).
    public var staticThreshold: Int
    /// Score the sampled frames with libjxl's butteraugli and ssimulacra when installed (a child
    /// process per frame and tool: about 0.3 s per frame at 480x270).
    public var perceptual: Bool

    public init(
        clips: [String], reportDirectory: String, quantizers: [QuantizerKind] = QuantizerKind.allCases,
        dithers: [DitherMethod] = [.none, .sierra24a], lossy: [Int] = [0], colors: Int = 256, width: Int? = 480,
        fps: FrameRate? = nil, framesSampled: Int = 8, references: [String] = [], backend: BackendChoice = .cpu,
        staticThreshold: Int = 2, perceptual: Bool = true, colorSpaces: [ColorSpace] = [.rgb]
    ) {
        self.clips = clips
        self.reportDirectory = reportDirectory
        self.quantizers = quantizers
        self.dithers = dithers
        self.colorSpaces = colorSpaces
        self.lossy = lossy
        self.colors = colors
        self.width = width
        self.fps = fps
        self.framesSampled = framesSampled
        self.references = references
        self.backend = backend
        self.staticThreshold = staticThreshold
        self.perceptual = perceptual
    }
}

/// Quality of one scored GIF frame.
public struct FrameScore: Sendable, Codable, Equatable {
    /// Index of the frame in the GIF.
    public var gifFrame: Int
    /// When it starts, seconds from the GIF's start.
    public var seconds: Double
    /// The source frame it was compared with.
    public var sourceFrame: Int
    public var psnr: Double
    public var ssim: Double
    /// libjxl's scores of this frame (see `BenchRow`); nil when the tool is missing or failed.
    public var butteraugli: Double? = nil
    public var butteraugli3Norm: Double? = nil
    public var ssimulacra: Double? = nil
}

/// One line of the report.
public struct BenchRow: Sendable, Codable, Equatable {
    public var clip: String
    /// "gifsmith", "ffmpeg" or "gifsicle".
    public var tool: String
    public var quantizer: String
    public var dither: String
    /// "rgb" or "oklab" for Gifsmith's rows; "rgb" for the reference tools.
    public var colorSpace: String = "rgb"
    public var lossy: Int
    public var colors: Int
    public var width: Int
    public var height: Int
    public var frames: Int
    public var bytes: Int
    public var seconds: Double
    /// PSNR (dB) of the mean MSE over the scored frames, all RGB channels; capped at 100.
    public var psnr: Double
    /// Mean SSIM over the scored frames (see `ImageMetrics.ssim`).
    public var ssim: Double
    /// Share of reference-static pixels that changed in the GIF, over the scored frame pairs; nil
    /// when no pair had a static pixel.
    public var flicker: Double?
    /// Mean butteraugli distance (libjxl `butteraugli_main`, max-norm) over the scored frames; lower
    /// is better, 0 identical, below about 1 hard to tell apart. Nil when the tool is not installed
    /// or failed (the report's notes say which).
    public var butteraugli: Double? = nil
    /// Mean of butteraugli's 3-norm over the scored frames: the same distance map summarised over the
    /// whole frame rather than by its worst spot; lower is better.
    public var butteraugli3Norm: Double? = nil
    /// Mean SSIMULACRA (libjxl 0.7 `ssimulacra_main`, the original, not SSIMULACRA 2) over the
    /// scored frames; lower is better, 0 identical. Nil when not installed or failed.
    public var ssimulacra: Double? = nil
    public var framesScored: Int
    public var perFrame: [FrameScore]
    /// The GIF, relative to the report folder.
    public var gif: String
    /// The crop of the comparison frame, relative to the report folder (BMP).
    public var crop: String?

    /// A short label: "median-cut/sierra-2-4a/lossy 40", "wu/none/oklab".
    public var setting: String {
        switch tool {
        case "gifsmith":
            return "\(quantizer)/\(dither)" + (colorSpace == "rgb" ? "" : "/\(colorSpace)") + (lossy > 0 ? "/lossy \(lossy)" : "")
        case "gifsicle": return "gifsicle lossy \(lossy)"
        default: return tool
        }
    }
}
