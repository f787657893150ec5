import GifsmithCore

/// Single pictures (PNG, JPEG, WebP, BMP, TIFF, GIF's first frame, ...) through the same
/// FFmpeg path as video.
public enum StillImage {
    /// The first picture in `path`, upright (JPEG EXIF orientation and container rotation
    /// applied), with `pts` 0. Alpha is composited over black. Layout follows the decoded
    /// format: JPEG and lossy WebP stay YUV (full range JPEG, centred chroma), PNG and
    /// everything RGB or palette come back as R, G, B planes.
    public static func load(_ path: String) throws -> PlanarFrame {
        let decoder = try VideoDecoder(path: path, threads: 1)
        guard var frame = try decoder.nextFrame() else {
            throw MediaError.corrupt(path: path, detail: "it holds no picture")
        }
        frame.pts = 0
        return frame
    }
}
