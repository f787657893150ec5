import Foundation
import XCTest

/// What a child process did.
struct ProcessResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs a program to completion, feeding `stdin` if given. Output is drained on other threads so
/// a chatty child never blocks on a full pipe.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    p.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let input = Pipe()
    p.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try p.run()
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
    if let stdin {
        input.fileHandleForWriting.write(stdin)
        try? input.fileHandleForWriting.close()
    }
    p.waitUntilExit()
    group.wait()
    return ProcessResult(status: p.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
}

/// A scratch folder removed at the end of the test.
final class Scratch {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "gifsmith-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
}

/// Makes a clip with the ffmpeg CLI from lavfi sources; `args` go between the inputs and the output.
func makeClip(_ path: String, lavfi: String, _ args: [String] = []) throws {
    let r = try runProcess("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", lavfi] + args + [path])
    guard r.status == 0 else { throw XCTSkip("ffmpeg could not make \(path): \(r.stderr)") }
}

/// The built `gifsmith` executable, beside the test bundle.
var gifsmithBinary: String {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let p = candidate.appendingPathComponent("gifsmith").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return dir.appendingPathComponent("gifsmith").path
}

func gifsmith(_ args: [String], stdin: Data? = nil) throws -> ProcessResult {
    try runProcess(gifsmithBinary, args, stdin: stdin)
}

/// A GIF decoded by FFmpeg's own GIF decoder: every displayed frame as packed RGB.
struct FFmpegDecodedGIF {
    var width: Int
    var height: Int
    var frames: [[UInt8]]
    /// Frame durations in centiseconds, from ffprobe.
    var delays: [Int]
}

func decodeWithFFmpeg(_ gif: String) throws -> FFmpegDecodedGIF {
    let probe = try runProcess("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", gif])
    let dims = probe.text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
    guard dims.count == 2 else { throw XCTSkip("ffprobe could not read \(gif): \(probe.stderr)") }
    let raw = try runProcess("ffmpeg", ["-v", "error", "-i", gif, "-vsync", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
    XCTAssertEqual(raw.status, 0, raw.stderr)
    let frameBytes = dims[0] * dims[1] * 3
    let bytes = [UInt8](raw.stdout)
    let frames = stride(from: 0, to: bytes.count, by: frameBytes).map { Array(bytes[$0..<min($0 + frameBytes, bytes.count)]) }
    let packets = try runProcess("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=duration", "-of", "csv=p=0", gif])
    let delays = packets.text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    return FFmpegDecodedGIF(width: dims[0], height: dims[1], frames: frames, delays: delays)
}

/// swscale flags for FFmpeg's most exact YUV→RGB (interpolated chroma, accurate rounding), ending in
/// RGB so that no scaler with default flags is inserted after it.
let accurateRGB = "flags=bicubic+accurate_rnd+full_chroma_int,format=rgb24"

/// The source frames as FFmpeg itself converts them to RGB with `filter`, concatenated.
func referenceFrames(_ clip: String, filter: String) throws -> [UInt8] {
    let r = try runProcess("ffmpeg", ["-v", "error", "-i", clip, "-vf", filter, "-vsync", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
    XCTAssertEqual(r.status, 0, r.stderr)
    return [UInt8](r.stdout)
}

/// Peak signal-to-noise ratio of two equally long 8-bit buffers, in dB.
func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
    precondition(a.count == b.count && !a.isEmpty)
    var se = 0.0
    for i in 0..<a.count {
        let d = Double(Int(a[i]) - Int(b[i]))
        se += d * d
    }
    let mse = se / Double(a.count)
    return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
}

func sha256(_ path: String) throws -> String {
    let r = try runProcess("sha256sum", [path])
    return String(r.text.prefix(64))
}

/// FFmpeg's standard two-pass GIF (palettegen + paletteuse, sierra2_4a) of `clip` through `filter`:
/// the bar our own output is held to.
func ffmpegTwoPassGIF(_ clip: String, filter: String, output: String) throws {
    let palette = output + ".palette.png"
    defer { try? FileManager.default.removeItem(atPath: palette) }
    let p1 = try runProcess("ffmpeg", ["-v", "error", "-y", "-i", clip, "-vf", filter + ",palettegen", palette])
    XCTAssertEqual(p1.status, 0, p1.stderr)
    let p2 = try runProcess("ffmpeg", ["-v", "error", "-y", "-i", clip, "-i", palette, "-lavfi",
                                       filter + "[x];[x][1:v]paletteuse=dither=sierra2_4a", output])
    XCTAssertEqual(p2.status, 0, p2.stderr)
}

/// PSNR of a GIF's frames against FFmpeg's RGB conversion of the source through the same filter.
func gifPSNR(_ gif: String, clip: String, filter: String) throws -> Double {
    let decoded = try decodeWithFFmpeg(gif)
    let reference = try referenceFrames(clip, filter: filter)
    let ours = Array(decoded.frames.joined())
    XCTAssertEqual(ours.count, reference.count, "frame counts differ")
    return psnr(Array(ours.prefix(reference.count)), Array(reference.prefix(ours.count)))
}

/// Asserts that `gif` is within 1 dB PSNR of (or better than) FFmpeg's own two-pass GIF of the same
/// frames, both measured against FFmpeg's exact RGB conversion of `clip` through `filter`.
func assertAsGoodAsFFmpeg(_ gif: String, clip: String, filter: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let reference = gif + ".ffmpeg.gif"
    defer { try? FileManager.default.removeItem(atPath: reference) }
    try ffmpegTwoPassGIF(clip, filter: filter, output: reference)
    let ours = try gifPSNR(gif, clip: clip, filter: filter)
    let theirs = try gifPSNR(reference, clip: clip, filter: filter)
    XCTAssertGreaterThan(ours, theirs - 1.0, "\(clip): ours \(ours) dB, FFmpeg's GIF \(theirs) dB", file: file, line: line)
}
