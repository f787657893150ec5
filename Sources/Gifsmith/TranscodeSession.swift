import Foundation
import GifsmithCore

/// One transcode running in the background, for programs that use Gifsmith as their GIF backend.
///
/// ```swift
/// let transcoder = Transcoder(options: ConvertOptions(width: 480, fps: FrameRate(15)))
/// let session = transcoder.start(.file("clip.mp4"), to: .data)
/// Task {
///     for await event in session.events {
///         if case let .progress(phase, done, total) = event { print(phase, done, total ?? 0) }
///     }
/// }
/// let gif = try await session.value()   // cancelling this task cancels the transcode
/// try gif.data!.write(to: URL(fileURLWithPath: "clip.gif"))
/// ```
///
/// The work starts at once on a thread of its own (it blocks on decoding and on its workers, so it
/// never occupies Swift's cooperative pool). Events arrive in order on ``events``: `.started`, then
/// `.progress` per batch of frames (`analyse` then `encode` with a global palette), any `.warning`s,
/// and `.finished`; the stream then ends. It also ends, without `.finished`, when the transcode
/// fails or is cancelled: ``value()`` says why.
///
/// Cancelling (``cancel()``, cancelling a task waiting in ``value()``, or cancelling the task that
/// iterates ``events``) stops the pipeline at the next batch of frames; ``value()`` then throws
/// `GifsmithError.cancelled` and no output exists: a `.file` destination is never created (its
/// hidden temporary file is removed) and a `.data` destination's temporary folder is removed.
/// Releasing the session (and every copy of ``events``) before the end also cancels it: keep it, or
/// a task awaiting ``value()``, for as long as the work should go on.
public final class TranscodeSession: Sendable {
    /// The transcode's events, in order. One consumer; the stream buffers until it is read.
    public let events: AsyncStream<TranscodeEvent>

    private let cancellation: CancellationFlag
    private let outcome = Outcome()

    init(transcoder: Transcoder, input: TranscodeInput, destination: TranscodeDestination) {
        let cancellation = CancellationFlag()
        self.cancellation = cancellation
        let (stream, continuation) = AsyncStream<TranscodeEvent>.makeStream(bufferingPolicy: .unbounded)
        events = stream
        // A consumer that stops listening because its task was cancelled wants the work stopped too.
        continuation.onTermination = { termination in
            if case .cancelled = termination { cancellation.cancel() }
        }
        let outcome = self.outcome
        let thread = Thread {
            let result = Result<TranscodedGIF, Error> {
                try Self.run(transcoder: transcoder, input: input, destination: destination,
                             cancellation: cancellation, emit: { continuation.yield($0) })
            }
            continuation.finish()
            outcome.complete(result)
        }
        thread.name = "gifsmith-session"
        // The thread runs a Transcoder's coordinating loop, which joins in its parallel work.
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Asks the transcode to stop; ``value()`` then throws `GifsmithError.cancelled`. Safe to call
    /// from anywhere, any number of times, also after the end (it then changes nothing).
    public func cancel() { cancellation.cancel() }

    /// True once ``cancel()`` was called or a waiting task was cancelled.
    public var isCancelled: Bool { cancellation.isCancelled }

    /// Waits for the end: the GIF (its bytes for `.data`) and what was made. Throws `GifsmithError`
    /// (`.cancelled` when cancelled). Cancelling the waiting task cancels the transcode. May be
    /// awaited by several tasks; each gets the same outcome.
    public func value() async throws -> TranscodedGIF {
        let cancellation = self.cancellation
        let outcome = self.outcome
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<TranscodedGIF, Error>) in
                outcome.wait(c)
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    // MARK: - The work, on the session's thread

    private static func run(transcoder: Transcoder, input: TranscodeInput, destination: TranscodeDestination,
                            cancellation: CancellationFlag, emit: @escaping (TranscodeEvent) -> Void) throws -> TranscodedGIF {
        do {
            if cancellation.isCancelled { throw GifsmithError.cancelled }
            let source = try PreparedInput(input, cancellation: cancellation)
            defer { source.close() }
            switch destination {
            case let .file(path):
                let result = try transcoder.convert(input: source.path, output: path, cancellation: cancellation, progress: emit)
                return TranscodedGIF(result: result, data: nil)
            case .data:
                let folder = try TemporaryFolder()
                defer { folder.remove() }
                var result = try transcoder.convert(input: source.path, output: folder.path + "/out.gif",
                                                    cancellation: cancellation, progress: { event in
                    // The private folder's path means nothing to the caller.
                    if case var .finished(r) = event {
                        r.output = ""
                        emit(.finished(r))
                    } else {
                        emit(event)
                    }
                })
                guard let data = FileManager.default.contents(atPath: folder.path + "/out.gif") else {
                    throw GifsmithError.output("the finished GIF could not be read back from \(folder.path)")
                }
                result.output = ""
                return TranscodedGIF(result: result, data: data)
            }
        } catch {
            if cancellation.isCancelled { throw GifsmithError.cancelled }
            throw (error as? GifsmithError) ?? GifsmithError.wrap(error)
        }
    }
}

extension Transcoder {
    /// Starts transcoding `input` in the background and returns at once; see ``TranscodeSession``.
    public func start(_ input: TranscodeInput, to destination: TranscodeDestination = .data) -> TranscodeSession {
        TranscodeSession(transcoder: self, input: input, destination: destination)
    }

    /// Transcodes and waits: the GIF's bytes for `.data`, or the file's path in
    /// `result.output`. Cancelling the calling task cancels the transcode (no output is left).
    public func transcode(_ input: TranscodeInput, to destination: TranscodeDestination = .data) async throws -> TranscodedGIF {
        try await start(input, to: destination).value()
    }
}

/// The outcome of a session, and the tasks waiting for it.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<TranscodedGIF, Error>?
    private var waiting: [CheckedContinuation<TranscodedGIF, Error>] = []

    func wait(_ c: CheckedContinuation<TranscodedGIF, Error>) {
        let done: Result<TranscodedGIF, Error>? = lock.withLock {
            if result == nil { waiting.append(c) }
            return result
        }
        if let done { c.resume(with: done) }
    }

    func complete(_ r: Result<TranscodedGIF, Error>) {
        let waiters: [CheckedContinuation<TranscodedGIF, Error>] = lock.withLock {
            result = r
            defer { waiting = [] }
            return waiting
        }
        for c in waiters { c.resume(with: r) }
    }
}

/// The input as a path the decoder opens, and what must be cleaned up after.
private struct PreparedInput {
    let path: String
    private let fd: Int32
    private let removeOnClose: String?

    init(_ input: TranscodeInput, cancellation: CancellationFlag) throws {
        switch input {
        case let .file(path):
            self.path = path
            fd = -1
            removeOnClose = nil
        case let .stream(handle):
            // The decoder opens paths; /dev/fd/N opens the same pipe.
            path = "/dev/fd/\(handle.fileDescriptor)"
            fd = -1
            removeOnClose = nil
        case let .data(data):
            let t = try TemporaryInput(suffix: "bin")
            do {
                try t.write(data)
            } catch {
                t.close()
                throw error
            }
            (path, fd, removeOnClose) = (t.path, t.fd, t.removeOnClose)
        case let .frames(frames):
            let t = try TemporaryInput(suffix: "avi")
            do {
                var writer = try RawAVIWriter(fd: t.fd, width: frames.width, height: frames.height, rate: frames.frameRate)
                while let image = try frames.next() {
                    if cancellation.isCancelled { throw GifsmithError.cancelled }
                    try writer.append(image)
                }
                guard writer.frameCount > 0 else { throw GifsmithError.noFrames("no in-memory frames were given") }
                try writer.finish()
            } catch {
                t.close()
                throw error
            }
            (path, fd, removeOnClose) = (t.path, t.fd, t.removeOnClose)
        }
    }

    func close() {
        if fd >= 0 { Foundation.close(fd) }
        if let removeOnClose { unlink(removeOnClose) }
    }
}

/// A temporary input file. On Linux it is unlinked at once and read through /proc/self/fd, so even
/// SIGKILL leaves nothing; elsewhere it is removed when the session ends.
private struct TemporaryInput {
    let fd: Int32
    let path: String
    let removeOnClose: String?

    init(suffix: String) throws {
        let dir = temporaryDirectory()
        var template = Array("\(dir)/gifsmith-input-XXXXXX.\(suffix)".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count + 1)) }
        guard fd >= 0 else {
            throw GifsmithError.output("cannot create a temporary file in \(dir) (\(String(cString: strerror(errno))))")
        }
        let name = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        self.fd = fd
        #if os(Linux)
        unlink(name)
        path = "/proc/self/fd/\(fd)"
        removeOnClose = nil
        #else
        path = name
        removeOnClose = name
        #endif
    }

    func write(_ data: Data) throws {
        try data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            var done = 0
            while done < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw GifsmithError.output("cannot write the temporary input file (\(String(cString: strerror(errno)))); is the disk full?")
                }
                done += n
            }
        }
    }

    func close() {
        Foundation.close(fd)
        if let removeOnClose { unlink(removeOnClose) }
    }
}

/// A private folder for a `.data` destination's GIF, removed with everything in it.
private struct TemporaryFolder {
    let path: String

    init() throws {
        let dir = temporaryDirectory()
        var template = Array("\(dir)/gifsmith-out-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw GifsmithError.output("cannot create a temporary folder in \(dir) (\(String(cString: strerror(errno))))")
        }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

private func temporaryDirectory() -> String {
    let dir = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    return dir.hasSuffix("/") && dir.count > 1 ? String(dir.dropLast()) : dir
}
