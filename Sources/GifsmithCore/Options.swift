/// How pixels are resampled to the output size.
public enum ScaleFilter: String, Sendable, Codable, CaseIterable {
    /// Catmull-Rom bicubic (widened when downscaling, so it never aliases). The default.
    case bicubic
    /// Area averaging (box filter): softest, best for very strong downscales.
    case area
}

public enum DitherMethod: String, Sendable, Codable, CaseIterable {
    case none
    case bayer
    case floydSteinberg = "floyd-steinberg"
    case sierra24a = "sierra-2-4a"
    case atkinson
    /// Ordered dither like `bayer`, with a 64×64 blue-noise pattern (`BlueNoise`) in place of
    /// Bayer's 8×8: fine grain instead of a cross-hatch, at the same amplitude (`bayerScale`).
    case blueNoise = "blue-noise"

    public var isErrorDiffusion: Bool {
        switch self {
        case .floydSteinberg, .sierra24a, .atkinson: return true
        case .none, .bayer, .blueNoise: return false
        }
    }

    /// A fixed screen-space pattern whose strength is `Dither.bayerScale`.
    public var isOrdered: Bool { self == .bayer || self == .blueNoise }
}

/// A dither and its parameter.
public struct Dither: Sendable, Hashable, Codable {
    public var method: DitherMethod
    /// For `bayer` and `blue-noise`: 0...5, the pattern's amplitude (32 >> scale levels) halves
    /// with each step (FFmpeg's bayer_scale).
    public var bayerScale: Int

    public init(_ method: DitherMethod, bayerScale: Int = 2) {
        self.method = method
        self.bayerScale = bayerScale
    }
}

public enum PaletteMode: String, Sendable, Codable, CaseIterable {
    /// One palette for the whole clip, from statistics of every frame.
    case global
    /// A local colour table for every frame.
    case perFrame = "per-frame"
    /// One palette per scene: global within a scene, a new one at each cut (detected from how much
    /// of the colour distribution changes between consecutive frames). A clip without cuts gets
    /// exactly the global palette.
    case scene
}

public enum LoopMode: Sendable, Hashable, Codable {
    /// NETSCAPE2.0 with count 0.
    case forever
    /// Play `n` extra times (NETSCAPE2.0 count n).
    case count(Int)
    /// No NETSCAPE2.0 block: play once.
    case none
}

/// The space in which "nearest colour" is measured, for mapping pixels and for building palettes.
public enum ColorSpace: String, Sendable, Codable, CaseIterable {
    /// Squared RGB distance (`PaletteMapper`). The default.
    case rgb
    /// Squared distance in fixed-point OkLab (`OkLab`, `OkLabSearch`): perceptually even steps, so
    /// dark shades and saturated hues get their fair share of the palette. Dithering still
    /// accumulates and limits errors in RGB; only the nearest-colour query changes.
    case oklab
}
