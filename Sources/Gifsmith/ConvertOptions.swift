import Foundation
import GifsmithCore
import GifsmithGIF

/// A frame rate as an exact fraction (29.97 is 30000/1001), so the output timestamp grid never drifts.
public struct FrameRate: Sendable, Hashable, Codable, CustomStringConvertible {
    public var numerator: Int
    public var denominator: Int

    public init(_ numerator: Int, _ denominator: Int = 1) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Parses "15", "29.97", "30000/1001". NTSC-style decimals (23.976, 29.97, 59.94) become x000/1001.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let slash = t.firstIndex(of: "/") {
            guard let n = Int(t[..<slash]), let d = Int(t[t.index(after: slash)...]), n > 0, d > 0 else { return nil }
            self.init(n, d)
            return
        }
        guard let value = Double(t), value > 0, value.isFinite, value <= 1000 else { return nil }
        for ntsc in [24, 30, 60, 120] where abs(value - Double(ntsc) * 1000 / 1001) < 0.006 {
            self.init(ntsc * 1000, 1001)
            return
        }
        // Up to three decimals exactly: 12.5 → 12500/1000, reduced.
        let milli = Int((value * 1000).rounded())
        let g = Self.gcd(milli, 1000)
        self.init(milli / g, 1000 / g)
    }

    public var value: Double { Double(numerator) / Double(denominator) }

    /// Microseconds of frame k on this grid, exact to the microsecond with no accumulated error.
    public func microseconds(ofFrame k: Int64) -> Int64 {
        (k * 1_000_000 * Int64(denominator) + Int64(numerator) / 2) / Int64(numerator)
    }

    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// Everything `gifsmith convert` can be told. Defaults match the CLI's.
public struct ConvertOptions: Sendable, Hashable {
    /// Output width; with only one of width/height the other keeps the aspect.
    public var width: Int?
    public var height: Int?
    /// A crop in source pixels (after rotation), applied before scaling.
    public var crop: PixelRect?
    /// A centred crop to this aspect ratio (width:height); ignored when `crop` is set.
    public var cropAspect: AspectRatio?
    /// Resample onto this regular frame rate, at most 50 (drop or repeat frames). nil keeps the
    /// source's timing, dropping frames that would last under 2 cs (a 60 fps source keeps every other).
    public var fps: FrameRate?
    /// Seconds from the start of the source.
    public var start: Double?
    /// Seconds of output.
    public var duration: Double?
    /// Colours in the table, 2...256. With frame optimisation one entry is kept for transparency
    /// when `colors` is 256 (as FFmpeg's palettegen does).
    public var colors: Int
    public var dither: Dither
    public var paletteMode: PaletteMode
    public var loop: LoopMode
    public var filter: ScaleFilter
    /// Store only changed rectangles, with transparency where it pays.
    public var optimize: Bool
    /// Worker threads for the pixel stages and LZW; 0 = one per core.
    public var threads: Int
    /// CPU or Vulkan for the pixel stages (the output is the same either way).
    public var backend: BackendChoice
    /// How palettes are built from the colour statistics.
    public var quantizer: QuantizerKind
    /// Lossy LZW level, 0 (off) ... 10000: a pixel may show a palette colour within lossy/4 of its own
    /// (RGB distance) when that lets LZW extend a string. Smaller files, bounded error.
    public var lossy: Int
    /// Temporal stability threshold in levels, 0...64 (see `TemporalStabilizer`): a pixel whose colour
    /// stays within it of the colour it had when its index was chosen keeps that index, so static
    /// areas neither shimmer nor cost bytes; so does one whose index still shows its colour nearly as
    /// well as the newly mapped one (within 1 level on flat areas, more in busy detail, at most this).
    /// nil turns it off.
    public var stability: Int?
    /// Where nearest colours are measured, for palettes and for mapping: `rgb` (the default) or
    /// `oklab` (perceptual; see `ColorSpace`).
    public var colorspace: ColorSpace

    public init(
        width: Int? = nil, height: Int? = nil, crop: PixelRect? = nil, cropAspect: AspectRatio? = nil,
        fps: FrameRate? = nil, start: Double? = nil, duration: Double? = nil, colors: Int = 256,
        dither: Dither = Dither(.sierra24a), paletteMode: PaletteMode = .scene, loop: LoopMode = .forever,
        filter: ScaleFilter = .bicubic, optimize: Bool = true, threads: Int = 0, backend: BackendChoice = .auto,
        quantizer: QuantizerKind = .medianCut, lossy: Int = 0, stability: Int? = ConvertOptions.defaultStability,
        colorspace: ColorSpace = .rgb
    ) {
        self.width = width
        self.height = height
        self.crop = crop
        self.cropAspect = cropAspect
        self.fps = fps
        self.start = start
        self.duration = duration
        self.colors = colors
        self.dither = dither
        self.paletteMode = paletteMode
        self.loop = loop
        self.filter = filter
        self.optimize = optimize
        self.threads = threads
        self.backend = backend
        self.quantizer = quantizer
        self.lossy = lossy
        self.stability = stability
        self.colorspace = colorspace
    }

    /// The default `stability` (see `TemporalStabilizer`): rule 1's drift limit is capped by the
    /// palette's local spacing anyway, so the value mostly bounds rule 2's tolerance in busy detail.
    /// Measured at width 480 (bytes as a fraction of FFmpeg's, SSIM Gifsmith / FFmpeg): 8 gave
    /// sky1080 0.502 (0.9871 / 0.9860), 10 gives 0.492 (0.9869), 12 0.486 (0.9867); mixed720 0.46 /
    /// 0.443 / 0.432 at 0.8993 / 0.8967 / 0.8949 against FFmpeg's 0.8882. 10 is the least that
    /// keeps every clip at half of FFmpeg's bytes or less.
    public static let defaultStability: Int? = 10

    /// Checks what can be checked without the source; geometry against the frame is checked later.
    public func validate() throws {
        guard (2...256).contains(colors) else {
            throw GifsmithError.invalidOption("--colors \(colors) is outside 2...256")
        }
        for (name, v) in [("--width", width), ("--height", height)] {
            if let v, !(1...16384).contains(v) {
                throw GifsmithError.invalidOption("\(name) \(v) is outside 1...16384")
            }
        }
        if let start, !(start >= 0 && start.isFinite) {
            throw GifsmithError.invalidOption("--start \(start) must be zero or more seconds")
        }
        if let duration, !(duration > 0 && duration.isFinite) {
            throw GifsmithError.invalidOption("--duration \(duration) must be more than zero seconds")
        }
        if let fps, !(fps.value > 0 && fps.value <= 50) {
            throw GifsmithError.invalidOption("--fps \(fps) is outside (0, 50]: GIF delays under 2 cs play slowly in browsers")
        }
        if dither.method.isOrdered, !(0...5).contains(dither.bayerScale) {
            throw GifsmithError.invalidOption("--bayer-scale \(dither.bayerScale) is outside 0...5")
        }
        if case let .count(n) = loop, !(1...65535).contains(n) {
            throw GifsmithError.invalidOption("--loop \(n) is outside 1...65535 (0 loops forever)")
        }
        if let crop, crop.width < 1 || crop.height < 1 || crop.x < 0 || crop.y < 0 {
            throw GifsmithError.invalidOption("crop \(crop) must have a positive size and a non-negative offset")
        }
        if threads < 0 { throw GifsmithError.invalidOption("--threads must be 0 (auto) or more") }
        if !(0...LossyLZW.maximumLevel).contains(lossy) {
            throw GifsmithError.invalidOption("--lossy \(lossy) is outside 0...\(LossyLZW.maximumLevel)")
        }
        if let stability, !(0...TemporalStabilizer.maximumThreshold).contains(stability) {
            throw GifsmithError.invalidOption("--stability \(stability) is outside 0...\(TemporalStabilizer.maximumThreshold)")
        }
    }
}

extension ConvertOptions {
    /// `--quality 1...100`: one knob for size against fidelity. 100 is lossless LZW with 256
    /// colours; lower values take colours away (16 + 240·q/100, so 50 → 136) and allow lossy LZW
    /// (2·(100 − q) below 90, so 50 → 100). The dither and everything else stay as they are.
    public mutating func applyQuality(_ q: Int) throws {
        guard (1...100).contains(q) else { throw GifsmithError.invalidOption("--quality \(q) is outside 1...100") }
        colors = 16 + 240 * q / 100
        lossy = q >= 90 ? 0 : 2 * (100 - q)
    }

    /// Worker threads for this job.
    var workers: Int { threads > 0 ? threads : Self.availableCores }
    /// Read once: Foundation answers `activeProcessorCount` from the cgroup files each time (six
    /// system calls), and a job asks hundreds of times (542 on a 150-frame clip).
    private static let availableCores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Frames handled per parallel step, and decoded ahead: one per worker. A decoded picture
    /// waits in the decoder's pool (3 MB at 1080p), and two per worker measured no faster
    /// while they held 12.6 MB more (sky1080 at width 480: peak 170.8 → 158.2 MB).
    var batchSize: Int { max(2, workers) }
}

/// A width:height ratio such as 16:9.
public struct AspectRatio: Sendable, Hashable, Codable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(_ width: Int, _ height: Int) {
        self.width = width
        self.height = height
    }
    public init?(parsing text: String) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "/" || $0 == "x" })
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0, w <= 100_000, h <= 100_000 else { return nil }
        self.init(w, h)
    }
    public var description: String { "\(width):\(height)" }
}

extension PixelRect {
    /// Parses `WxH+X+Y` (FFmpeg/ImageMagick geometry); `WxH` alone means offset 0,0.
    public init?(geometry text: String) {
        let scalars = Array(text)
        guard let x = scalars.firstIndex(where: { $0 == "x" || $0 == "X" }) else { return nil }
        guard let w = Int(String(scalars[..<x])) else { return nil }
        let rest = String(scalars[(x + 1)...])
        let parts = rest.split(separator: "+", omittingEmptySubsequences: false)
        guard let h = Int(parts[0]) else { return nil }
        var ox = 0, oy = 0
        if parts.count == 3 {
            guard let a = Int(parts[1]), let b = Int(parts[2]) else { return nil }
            ox = a
            oy = b
        } else if parts.count != 1 {
            return nil
        }
        self.init(x: ox, y: oy, width: w, height: h)
    }
}
