import Foundation
import GifsmithCore

/// Converted frames of the first pass, kept on disk for the second so that memory stays bounded by
/// a few frames whatever the clip's length (a global palette needs every frame's statistics before the
/// first frame can be mapped). The file is unlinked as soon as it is created: nothing is left behind,
/// even on SIGKILL.
final class SpillFile {
    private let fd: Int32
    private var writeOffset: Int64 = 0
    private var readOffset: Int64 = 0
    private let frameBytes: Int
    let size: PixelSize
    private(set) var frameCount = 0

    init(size: PixelSize) throws {
        let dir = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(dir)/gifsmith-spill-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw GifsmithError.output("cannot create a temporary file in \(dir) (\(String(cString: strerror(errno))))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
        self.size = size
        frameBytes = size.width * size.height * 3
    }

    deinit { close(fd) }

    func append(_ image: RGBImage) throws {
        precondition(image.pixels.count == frameBytes)
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
        frameCount += 1
    }

    /// Next frame in write order, or nil after the last.
    func next() throws -> RGBImage? {
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
