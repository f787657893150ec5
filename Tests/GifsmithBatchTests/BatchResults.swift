import Foundation
import GifsmithBatch
import XCTest

/// Reading what a batch left: its `--json` summary, its journals, stray files, and its GIFs as
/// an independent decoder (FFmpeg's) sees them.
enum BatchResults {
    static func summary(_ r: Tool.Result) throws -> BatchSummary {
        try JSONDecoder().decode(BatchSummary.self, from: Data(r.stdout.utf8))
    }

    /// Every line of every journal in `out`, each of which must parse (a run that ended
    /// normally or by SIGINT writes whole lines).
    static func journal(_ out: String) throws -> [JournalRecord] {
        var all: [JournalRecord] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: out) where name.hasPrefix(".gifsmith-journal") {
            let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            for line in text.split(separator: "\n") {
                all.append(try JSONDecoder().decode(JournalRecord.self, from: Data(line.utf8)))
            }
        }
        return all
    }

    /// Files under `out` that are neither GIFs nor journals (temporaries left behind).
    static func strayFiles(_ out: String) -> [String] {
        let walker = FileManager.default.enumerator(atPath: out)!
        var stray: [String] = []
        while let rel = walker.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: out + "/" + rel, isDirectory: &isDir)
            if isDir.boolValue { continue }
            if name.hasSuffix(".gif") && !name.hasPrefix(".") { continue }
            if name.hasPrefix(".gifsmith-journal") && name.hasSuffix(".jsonl") { continue }
            stray.append(rel)
        }
        return stray
    }

    /// The GIF an item's key maps to.
    static func gif(_ out: String, _ key: String) -> String {
        out + "/" + (key as NSString).deletingPathExtension + ".gif"
    }

    struct Decoded: Equatable {
        var width: Int, height: Int, frames: Int
    }

    /// Decodes every frame of every GIF with FFmpeg's GIF demuxer and decoder, many files per
    /// ffmpeg process (one process a file costs ~0.1 s each, too slow for hundreds), and fails
    /// on any decoding error. Returns each file's size and frame count, in order.
    static func decodeGIFs(_ paths: [String]) throws -> [Decoded] {
        var all: [Decoded] = []
        var start = 0
        while start < paths.count {
            let chunk = Array(paths[start..<min(paths.count, start + 64)])
            start += chunk.count
            var args = ["-v", "error", "-nostdin", "-xerror"]
            for p in chunk { args += ["-f", "gif", "-i", p] }
            for i in chunk.indices { args += ["-map", "\(i):v"] }
            // framecrc: one line per decoded frame ("stream, dts, pts, duration, size, crc") and
            // a "#dimensions N: WxH" header per stream; passthrough keeps frames 1:1 (-vsync, not
            // FFmpeg 5.1's -fps_mode, so that older FFmpegs run it too).
            args += ["-vsync", "passthrough", "-c:v", "rawvideo", "-f", "framecrc", "-"]
            let r = try Tool.run("/usr/bin/ffmpeg", args)
            guard r.status == 0, r.stderr.isEmpty else {
                throw NSError(domain: "ffmpeg", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: "decoding \(chunk): \(r.stderr)"])
            }
            var decoded = Array(repeating: Decoded(width: 0, height: 0, frames: 0), count: chunk.count)
            for line in r.stdout.split(separator: "\n") {
                if line.hasPrefix("#dimensions ") {
                    // "#dimensions 3: 32x24"
                    let parts = line.dropFirst("#dimensions ".count).split(separator: ":")
                    let size = parts[1].trimmingCharacters(in: .whitespaces).split(separator: "x")
                    let n = Int(parts[0])!
                    decoded[n].width = Int(size[0])!
                    decoded[n].height = Int(size[1])!
                } else if !line.hasPrefix("#"), let n = Int(line.split(separator: ",")[0].trimmingCharacters(in: .whitespaces)) {
                    decoded[n].frames += 1
                }
            }
            all += decoded
        }
        return all
    }

    /// Whether `path` starts like a GIF89a and ends with the trailer byte: a GIF cut short
    /// can still decode (frames up to the cut), so the decoder alone would not notice.
    static func isWholeGIF(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count > 13 else { return false }
        return data.prefix(6) == Data("GIF89a".utf8) && data.last == 0x3B
    }
}
