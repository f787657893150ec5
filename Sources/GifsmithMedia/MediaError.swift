/// Everything that can go wrong reading a source, each with a message a person can act on.
///
/// The `path` in every case is the name as the caller gave it ("stdin" for `-`/`pipe:0`),
/// so messages point at the file the user typed.
public enum MediaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Nothing exists at the path.
    case fileNotFound(path: String)
    /// The path exists but cannot be read: a directory, no permission, an I/O error.
    case unreadable(path: String, reason: String)
    /// The file has zero bytes.
    case emptyFile(path: String)
    /// FFmpeg does not recognise the file as any container or image it can read.
    case notMedia(path: String, reason: String)
    /// The file is media but holds no video picture stream (audio only, subtitles only).
    case noVideoStream(path: String)
    /// The video codec has no decoder in this FFmpeg build.
    case unsupportedCodec(path: String, codec: String)
    /// The file is recognised but nothing in it could be decoded (truncated, damaged).
    case corrupt(path: String, detail: String)
    /// Seeking failed: the input is a pipe (backwards only) or the container refused.
    case seekFailed(path: String, seconds: Double, reason: String)
    /// FFmpeg failed for a reason that is not the file's fault (out of memory, codec setup).
    case decodeFailed(path: String, reason: String)

    /// The path the error is about.
    public var path: String {
        switch self {
        case let .fileNotFound(p), let .emptyFile(p), let .noVideoStream(p): return p
        case let .unreadable(p, _), let .notMedia(p, _), let .unsupportedCodec(p, _),
             let .corrupt(p, _), let .decodeFailed(p, _):
            return p
        case let .seekFailed(p, _, _): return p
        }
    }

    public var description: String {
        switch self {
        case let .fileNotFound(p):
            return "\(p): no such file. Check the path."
        case let .unreadable(p, reason):
            return "\(p): cannot be read (\(reason))."
        case let .emptyFile(p):
            return "\(p): the file is empty (0 bytes); it may still be downloading or copying."
        case let .notMedia(p, reason):
            return "\(p): not a video or image FFmpeg can read (\(reason))."
        case let .noVideoStream(p):
            return "\(p): has no video stream (audio or data only); a GIF needs pictures."
        case let .unsupportedCodec(p, codec):
            return "\(p): the video codec '\(codec)' has no decoder in this FFmpeg build; convert it first (for example to H.264)."
        case let .corrupt(p, detail):
            return "\(p): no frame could be decoded (\(detail)); the file is damaged or truncated."
        case let .seekFailed(p, seconds, reason):
            return "\(p): cannot seek to \(formatSeconds(seconds)) (\(reason))."
        case let .decodeFailed(p, reason):
            return "\(p): decoding failed (\(reason))."
        }
    }
}

/// Seconds for messages: "2.4 s".
func formatSeconds(_ s: Double) -> String {
    let tenths = (s * 10).rounded()
    let whole = Int(tenths) / 10
    let frac = abs(Int(tenths)) % 10
    let sign = (tenths < 0 && whole == 0) ? "-" : ""
    return "\(sign)\(whole).\(frac) s"
}
