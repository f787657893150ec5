import Foundation
import GifsmithCore

/// Where a ``TranscodeSession`` reads its video from.
public enum TranscodeInput: Sendable {
    /// A path: anything FFmpeg opens (MP4, MOV, MKV, WebM, GIF, PNG, ...).
    case file(String)
    /// A whole file's bytes. They are written to a temporary file first (unlinked at once on
    /// Linux, so nothing is left behind even if the process is killed): containers that need
    /// seeking (an MP4 with its index at the end) work, and a global palette can decode twice.
    case data(Data)
    /// A byte stream read as it arrives, to its end: a pipe or FIFO (e.g. another program's
    /// standard output). Read through `/dev/fd/N`, so the handle must stay open until the session
    /// ends; the caller closes it. As with `convert -`, a stream is read once: an MP4 whose index
    /// is at the end cannot be read this way (use `.data` or `.file`), and a global palette keeps
    /// the first pass's converted frames in an unlinked temporary file instead of decoding again.
    case stream(FileHandle)
    /// Frames the caller already has, as RGB. They are written losslessly to a temporary raw-RGB AVI
    /// (uncompressed, exact frame rate) that the normal decoder then reads, so in-memory frames take
    /// exactly the path of a file: same sampling, same bytes. Limited to 4 GiB of raw frames.
    case frames(VideoFrames)
}

/// Where a ``TranscodeSession`` puts the GIF.
public enum TranscodeDestination: Sendable, Equatable {
    /// A path. Written under a hidden temporary name beside it and renamed into place only when
    /// complete: a failure or cancellation leaves nothing there.
    case file(String)
    /// In memory: ``TranscodedGIF/data`` holds the GIF's bytes (built in a private temporary
    /// folder that is removed whatever happens).
    case data
}

/// What a finished ``TranscodeSession`` gives.
public struct TranscodedGIF: Sendable {
    /// Frames, size, bytes, palette, warnings, time taken. For `.data`, `result.output` is "".
    public var result: TranscodeResult
    /// The GIF itself for ``TranscodeDestination/data``; nil when it was written to a file.
    public var data: Data?

    public init(result: TranscodeResult, data: Data?) {
        self.result = result
        self.data = data
    }
}

/// Video frames held by the caller: a size, a constant frame rate and the images in order.
///
/// Every image must be `width` x `height` packed RGB (``RGBImage``). Frames are pulled once, in
/// order, on the session's thread; the images of an array are not copied.
public struct VideoFrames: Sendable {
    public var width: Int
    public var height: Int
    /// Frame k starts at k / frameRate seconds.
    public var frameRate: FrameRate
    /// Returns the next frame, or nil after the last. Called from one thread, once per frame.
    public var next: @Sendable () throws -> RGBImage?

    /// Frames produced on demand (rendered, received from elsewhere): at most one is held at a time.
    public init(width: Int, height: Int, frameRate: FrameRate, next: @escaping @Sendable () throws -> RGBImage?) {
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.next = next
    }

    /// Frames already in memory.
    public init(width: Int, height: Int, frameRate: FrameRate, images: [RGBImage]) {
        let cursor = ArrayCursor(images)
        self.init(width: width, height: height, frameRate: frameRate, next: { cursor.next() })
    }
}

/// Hands out an array's elements once each, from whichever thread asks.
private final class ArrayCursor<T: Sendable>: @unchecked Sendable {
    private let items: [T]
    private var index = 0
    private let lock = NSLock()
    init(_ items: [T]) { self.items = items }
    func next() -> T? {
        lock.withLock {
            guard index < items.count else { return nil }
            defer { index += 1 }
            return items[index]
        }
    }
}
