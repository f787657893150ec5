import Foundation

/// Where GIF bytes go. Files are written under a temporary name beside the target and renamed
/// into place only when complete, so an error or Ctrl-C never leaves a partial file.
final class OutputSink {
    private let target: String?
    private let temporaryPath: String?
    private let fd: Int32
    private var committed = false
    private(set) var bytesWritten: Int64 = 0

    /// `path == "-"` writes to standard output (which cannot be taken back on error).
    init(path: String) throws {
        if path == "-" {
            target = nil
            temporaryPath = nil
            fd = STDOUT_FILENO
            return
        }
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw GifsmithError.output("\(path): is a directory; give a file name for the GIF")
        }
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw GifsmithError.output("\(path): the folder \(dir) does not exist")
        }
        var template = Array("\(dir)/.\(url.lastPathComponent).gifsmith-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw GifsmithError.output("\(path): cannot write in \(dir) (\(String(cString: strerror(errno))))")
        }
        self.fd = fd
        target = path
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // mkstemp creates 0600; a GIF is a normal document.
        fchmod(fd, 0o644 & ~Self.umask)
        OutputSink.register(temporaryPath!)
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw GifsmithError.output("\(target ?? "standard output"): write failed (\(String(cString: strerror(errno))))")
            }
            offset += n
        }
        bytesWritten += Int64(bytes.count)
    }

    /// Makes the output visible under its name.
    func commit() throws {
        guard let target, let temporaryPath, !committed else { return }
        // Whatever happens next, the descriptor is closed here and never again.
        committed = true
        if fsync(fd) != 0 || close(fd) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            OutputSink.unregister(temporaryPath)
            throw GifsmithError.output("\(target): could not be finished (\(reason))")
        }
        if rename(temporaryPath, target) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            OutputSink.unregister(temporaryPath)
            throw GifsmithError.output("\(target): could not be renamed into place (\(reason))")
        }
        OutputSink.unregister(temporaryPath)
    }

    /// Removes the temporary file; called on every failure path.
    func abandon() {
        guard !committed, let temporaryPath else { return }
        close(fd)
        unlink(temporaryPath)
        OutputSink.unregister(temporaryPath)
        committed = true
    }

    deinit { abandon() }

    private static let umask: mode_t = {
        let m = Foundation.umask(0)
        Foundation.umask(m)
        return m
    }()

    // Temporary files still open, so that a signal handler can remove them before the process dies.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var pending = Set<String>()
    private static func register(_ p: String) { lock.withLock { _ = pending.insert(p) } }
    private static func unregister(_ p: String) { lock.withLock { _ = pending.remove(p) } }

    /// Unlinks every temporary output still pending. For a last-resort signal handler.
    public static func removePendingTemporaryFiles() {
        lock.withLock {
            for p in pending { unlink(p) }
            pending.removeAll()
        }
    }
}
