import Foundation
import Gifsmith

/// The reference tools run as child processes (only when installed; nothing is installed here).
public enum ExternalTools {
    /// The executable's path on PATH, or nil.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `executable` with `arguments`; returns wall seconds. Throws with the tail of stderr on failure.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> Double {
        try capture(executable, arguments, keepStdout: false).seconds
    }

    /// Runs `executable` with `arguments` and returns what it wrote on stdout (for tools that print
    /// a score). Throws with the tail of stderr on failure.
    public static func output(_ executable: String, _ arguments: [String]) throws -> String {
        String(decoding: try capture(executable, arguments, keepStdout: true).stdout, as: UTF8.self)
    }

    /// Filled by the thread that drains stderr while this one drains stdout.
    private final class Sink: @unchecked Sendable { var data = Data() }

    private static func capture(_ executable: String, _ arguments: [String], keepStdout: Bool) throws -> (stdout: Data, seconds: Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let err = Pipe(), out = Pipe()
        p.standardError = err
        p.standardOutput = keepStdout ? out : FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        let t0 = Date()
        try p.run()
        // Both pipes are drained at once: a child that fills one while we block on the other would hang.
        let errSink = Sink(), errHandle = err.fileHandleForReading
        let drained = DispatchGroup()
        DispatchQueue.global().async(group: drained) { errSink.data = errHandle.readDataToEndOfFile() }
        let stdout = keepStdout ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        drained.wait()
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(t0)
        guard p.terminationStatus == 0 else {
            let text = String(decoding: errSink.data.suffix(600), as: UTF8.self)
            throw BenchError.tool("\((executable as NSString).lastPathComponent) exited \(p.terminationStatus): \(text)")
        }
        return (stdout, seconds)
    }

    /// FFmpeg's default-quality two-pass GIF: palettegen + paletteuse (sierra2_4a) at the same size and rate.
    public static func ffmpegGIF(ffmpeg: String, clip: String, output: String, width: Int, height: Int, fps: FrameRate?, colors: Int) throws -> Double {
        let rate = fps.map { "fps=\($0)," } ?? ""
        let graph = "[0:v]\(rate)scale=\(width):\(height):flags=bicubic,split[a][b];[a]palettegen=max_colors=\(colors)[p];[b][p]paletteuse=dither=sierra2_4a"
        return try run(ffmpeg, ["-nostdin", "-v", "error", "-y", "-i", clip, "-filter_complex", graph, "-loop", "0", output])
    }

    /// gifsicle's lossy recompression of a GIF: `-O3 --lossy=N`.
    public static func gifsicle(_ gifsicle: String, input: String, output: String, lossy: Int) throws -> Double {
        try run(gifsicle, ["-O3", "--lossy=\(lossy)", "-o", output, input])
    }
}
