import Foundation
import GifsmithCore

/// Converted frames of the first pass, kept for the second so that memory stays bounded by a few
/// frames whatever the clip's length (a global palette needs every frame's statistics before the
/// first frame can be mapped).
///
/// The first `memoryBudget` bytes of frames stay in memory: a short clip at a small size then
/// never touches the disk (writing and reading 50 MB through the page cache cost about a tenth of
/// a 480-wide conversion's time). Frames past the budget go to a temporary file, created on first
/// need and unlinked at once: nothing is left behind, even on SIGKILL.
///
/// 64 MB holds five seconds of 30 fps at 480x270 (58 MB, the benchmark's small size): with 32 MB,
/// the 68 frames past it went through the page cache, and sky1080 at 480 took 4% longer (median
/// of 15 alternating runs, 0.606 against 0.580 s). Peak memory stays below 200 MB with it
/// (181–186 MB on pan1080 at 480, with one decoded picture per worker in flight:
/// `ConvertOptions.batchSize`).
final class SpillFile {
    /// Bytes of frames held in memory before the file is used.
    static let memoryBudget = 64 << 20

    private var fd: Int32 = -1
    private var writeOffset: Int64 = 0
    private var readOffset: Int64 = 0
    private let frameBytes: Int
    let size: PixelSize
    private(set) var frameCount = 0
    /// Frames in memory, the first ones in order; each is released as it is read.
    private var held: [RGBImage?] = []
    private var heldRead = 0

    init(size: PixelSize) throws {
        self.size = size
        frameBytes = size.width * size.height * 3
    }

    deinit { if fd >= 0 { close(fd) } }

    private func openFile() throws {
        let dir = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(dir)/gifsmith-spill-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw GifsmithError.output("cannot create a temporary file in \(dir) (\(String(cString: strerror(errno))))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
    }

    func append(_ image: RGBImage) throws {
        precondition(image.pixels.count == frameBytes)
        frameCount += 1
        if writeOffset == 0, (held.count + 1) * frameBytes <= Self.memoryBudget {
            held.append(image)
            return
        }
        if fd < 0 { try openFile() }
        var done = 0
        while done < frameBytes {
            let n = image.pixels.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, frameBytes - done, off_t(writeOffset) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw GifsmithError.output("cannot write the temporary frame store (\(String(cString: strerror(errno)))); is the disk full?")
            }
            done += n
        }
        writeOffset += Int64(frameBytes)
    }

    /// Next frame in write order, or nil after the last.
    func next() throws -> RGBImage? {
        if heldRead < held.count {
            defer { held[heldRead] = nil; heldRead += 1 }
            return held[heldRead]
        }
        guard readOffset < writeOffset else { return nil }
        var pixels = [UInt8](repeating: 0, count: frameBytes)
        var done = 0
        while done < frameBytes {
            let n = pixels.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, frameBytes - done, off_t(readOffset) + off_t(done)) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                throw GifsmithError.internal("temporary frame store ended early")
            }
            done += n
        }
        readOffset += Int64(frameBytes)
        return RGBImage(width: size.width, height: size.height, pixels: pixels)
    }
}
