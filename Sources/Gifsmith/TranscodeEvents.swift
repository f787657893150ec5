import GifsmithCore
import GifsmithMedia

/// What a transcode reports while it runs. Delivered on the thread that called `convert`.
public enum TranscodeEvent: Sendable {
    /// The input was opened: what it is and what will be made of it.
    case started(input: MediaInfo, output: PixelSize, crop: PixelRect)
    /// `done` frames of the current phase; `total` is an estimate when the container knows the length.
    case progress(phase: TranscodePhase, done: Int, total: Int?)
    /// Something the user should know that did not stop the job (e.g. a truncated stream).
    case warning(String)
    case finished(TranscodeResult)
}

public enum TranscodePhase: String, Sendable, Codable {
    /// Decoding, converting and gathering colour statistics (first pass of a global palette).
    case analyse
    /// Mapping to the palette, dithering, LZW and writing.
    case encode
}

/// The outcome of a finished transcode.
public struct TranscodeResult: Sendable, Codable, Equatable {
    public var output: String
    public var frames: Int
    public var width: Int
    public var height: Int
    /// Sum of the GIF frame delays.
    public var durationSeconds: Double
    public var bytes: Int64
    /// Colours in the global palette; for per-frame palettes the largest local table.
    public var paletteColors: Int
    public var warnings: [String]
    public var elapsedSeconds: Double
    public var backend: String
}
