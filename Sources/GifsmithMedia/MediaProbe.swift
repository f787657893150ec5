/// Reads what a source is without decoding more than its first frame.
public enum MediaProbe {
    /// Opens `path` ("-" or "pipe:0" reads stdin, consuming it), decodes one frame, and
    /// describes the best video stream. Throws the same errors `VideoDecoder` would, so a
    /// source that probes will also decode.
    public static func probe(_ path: String) throws -> MediaInfo {
        try VideoDecoder(path: path, threads: 1).info
    }
}
