import Foundation
import GifsmithMedia
import XCTest

/// Test media made with the ffmpeg CLI into a per-class temporary directory, and the CLI's own
/// decodes (ffprobe timestamps, raw planes) as the independent reference.
final class Fixtures: @unchecked Sendable {
    let dir: String

    init(_ label: String) {
        dir = (NSTemporaryDirectory() as NSString)
            .appendingPathComponent("gifsmith-media-\(label)-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }

    /// Runs ffmpeg with `args` writing `name` (created once), and returns its path.
    @discardableResult
    func make(_ name: String, _ args: [String]) throws -> String {
        let out = path(name)
        if FileManager.default.fileExists(atPath: out) { return out }
        try Self.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + args + [out])
        return out
    }

    /// testsrc2 at `size`, `rate` fps for `seconds`, through `codecArgs`.
    @discardableResult
    func clip(_ name: String, size: String = "64x48", rate: Int = 25, seconds: Double = 1, filter: String? = nil,
              _ codecArgs: [String]) throws -> String {
        var args = ["-f", "lavfi", "-i", "testsrc2=s=\(size):r=\(rate):d=\(seconds)"]
        if let filter { args += ["-vf", filter] }
        return try make(name, args + codecArgs)
    }

    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read before waiting so a large output cannot fill the pipe and block the tool.
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "Fixtures", code: Int(p.terminationStatus), userInfo: [
                NSLocalizedDescriptionKey: "\(tool) \(args.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))",
            ])
        }
        return data
    }

    /// FFmpeg's own decode of `file` as raw frames in `pixFmt` (no other filtering).
    static func rawFrames(_ file: String, pixFmt: String, extra: [String] = []) throws -> [UInt8] {
        let data = try run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", file] + extra
            + ["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", pixFmt, "-"])
        return [UInt8](data)
    }

    /// ffprobe's decoded-frame count.
    static func frameCount(_ file: String) throws -> Int {
        let out = try run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                      "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file])
        return Int(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: ",").first ?? "") ?? -1
    }

    /// ffprobe's best-effort timestamps in stream time-base units and that time base.
    static func frameTimestamps(_ file: String) throws -> (ts: [Int64], num: Int64, den: Int64) {
        let tbOut = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=time_base",
                                        "-of", "csv=p=0", file])
        let tb = String(decoding: tbOut, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: ", \n"))
            .split(separator: "/")
        let out = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                      "frame=best_effort_timestamp", "-of", "csv=p=0", file])
        let ts = String(decoding: out, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap {
            Int64($0.trimmingCharacters(in: CharacterSet(charactersIn: ", ")))
        }
        return (ts, Int64(tb[0])!, Int64(tb[1])!)
    }
}

/// Stream-relative microseconds, as the decoder reports them, from ffprobe's stamps.
func microseconds(_ probe: (ts: [Int64], num: Int64, den: Int64)) -> [Int64] {
    guard let first = probe.ts.first else { return [] }
    return probe.ts.map { t in
        // Round half up, as av_rescale_q does for non-negative values.
        ((t - first) * 1_000_000 * probe.num + probe.den / 2) / probe.den
    }
}

/// Asserts `body` throws a MediaError matching `check`, and that its message names `name`.
func assertMediaError(_ name: String, file: StaticString = #filePath, line: UInt = #line,
                      _ body: () throws -> Void, _ check: (MediaError) -> Bool) {
    do {
        try body()
        XCTFail("expected an error for \(name)", file: file, line: line)
    } catch let error as MediaError {
        XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
        XCTAssertTrue(String(describing: error).contains(name), "message does not name the file: \(error)", file: file, line: line)
    } catch {
        XCTFail("not a MediaError: \(error)", file: file, line: line)
    }
}
