import GifsmithCore

/// An exact ratio of two integers, as FFmpeg stores frame rates and aspect ratios.
public struct Rational: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    public var num: Int
    public var den: Int

    public init(num: Int, den: Int) {
        self.num = num
        self.den = den
    }

    /// Whether both parts are positive (FFmpeg uses 0/0 or 0/1 for "unknown").
    public var isValid: Bool { num > 0 && den > 0 }

    /// The ratio as a number, for display and timing only (nil when unknown).
    public var value: Double? { isValid ? Double(num) / Double(den) : nil }

    public var description: String { "\(num)/\(den)" }
}

/// What the probe learned about a source's best video stream.
public struct MediaInfo: Sendable, Codable, Equatable {
    /// FFmpeg's short demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "gif", "png_pipe".
    public var container: String
    /// FFmpeg's long demuxer name, e.g. "QuickTime / MOV".
    public var containerLongName: String
    /// Codec name, e.g. "h264", "vp9", "gif", "png".
    public var codec: String
    /// Codec long name, e.g. "H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10".
    public var codecLongName: String
    /// Display size: after rotation, the size of the frames `VideoDecoder` returns.
    public var width: Int
    public var height: Int
    /// Size as stored in the stream, before rotation.
    public var codedWidth: Int
    public var codedHeight: Int
    /// Pixel aspect ratio (1/1 when square or unknown). Frames are not resampled for it.
    public var sampleAspectRatio: Rational
    /// Length of the video stream (or of the file when the stream does not say), if known.
    public var durationSeconds: Double?
    /// The stream's average frame rate, or its base rate (r_frame_rate) when no average is known.
    public var frameRate: Rational
    /// Frame count from the container, or duration × frame rate; nil when neither is known.
    public var estimatedFrameCount: Int?
    /// FFmpeg pixel format name of the decoded frames, e.g. "yuv420p", "yuv420p10le", "bgra".
    public var pixelFormat: String
    /// Bits per sample of the decoded format (8, 10, 12, ...).
    public var bitDepth: Int
    /// YUV→RGB matrix for YUV sources (for RGB sources: what an untagged source of this size would get).
    public var colorMatrix: ColorMatrix
    /// True when the stream did not say and the matrix was chosen by frame size.
    public var colorMatrixAssumed: Bool
    public var colorRange: ColorRange
    /// True when the stream did not say and limited range was assumed.
    public var rangeAssumed: Bool
    /// Horizontal chroma siting of the frames `VideoDecoder` returns (after rotation).
    public var chromaSiting: ChromaSiting
    /// Clockwise rotation (0, 90, 180, 270) that `VideoDecoder` applies to make frames upright.
    public var rotationDegrees: Int
    public var hasAudio: Bool
    /// A single picture (PNG, JPEG, WebP, BMP, TIFF, ... or a one-frame stream).
    public var isStillImage: Bool
    /// Best effort: timestamps of the first packets are unevenly spaced.
    public var isVariableFrameRate: Bool
    /// Video stream bit rate in bits per second, if the container says.
    public var bitRate: Int?

    public init(
        container: String, containerLongName: String, codec: String, codecLongName: String,
        width: Int, height: Int, codedWidth: Int, codedHeight: Int, sampleAspectRatio: Rational,
        durationSeconds: Double?, frameRate: Rational, estimatedFrameCount: Int?,
        pixelFormat: String, bitDepth: Int,
        colorMatrix: ColorMatrix, colorMatrixAssumed: Bool, colorRange: ColorRange, rangeAssumed: Bool,
        chromaSiting: ChromaSiting, rotationDegrees: Int,
        hasAudio: Bool, isStillImage: Bool, isVariableFrameRate: Bool, bitRate: Int?
    ) {
        self.container = container
        self.containerLongName = containerLongName
        self.codec = codec
        self.codecLongName = codecLongName
        self.width = width
        self.height = height
        self.codedWidth = codedWidth
        self.codedHeight = codedHeight
        self.sampleAspectRatio = sampleAspectRatio
        self.durationSeconds = durationSeconds
        self.frameRate = frameRate
        self.estimatedFrameCount = estimatedFrameCount
        self.pixelFormat = pixelFormat
        self.bitDepth = bitDepth
        self.colorMatrix = colorMatrix
        self.colorMatrixAssumed = colorMatrixAssumed
        self.colorRange = colorRange
        self.rangeAssumed = rangeAssumed
        self.chromaSiting = chromaSiting
        self.rotationDegrees = rotationDegrees
        self.hasAudio = hasAudio
        self.isStillImage = isStillImage
        self.isVariableFrameRate = isVariableFrameRate
        self.bitRate = bitRate
    }
}

extension MediaInfo {
    /// Filled in while a decoder opens; never returned.
    static let placeholder = MediaInfo(
        container: "", containerLongName: "", codec: "", codecLongName: "", width: 0, height: 0, codedWidth: 0, codedHeight: 0,
        sampleAspectRatio: Rational(num: 1, den: 1), durationSeconds: nil, frameRate: Rational(num: 0, den: 1),
        estimatedFrameCount: nil, pixelFormat: "", bitDepth: 8, colorMatrix: .bt601, colorMatrixAssumed: true,
        colorRange: .limited, rangeAssumed: true, chromaSiting: .left, rotationDegrees: 0, hasAudio: false,
        isStillImage: false, isVariableFrameRate: false, bitRate: nil)
}
