import Foundation

/// Batch inputs made with ffmpeg in a test's folder: tiny good clips of several codecs and
/// containers, the five kinds of bad input, and trees of copies of them. Conversions, not
/// encodes, are what a batch test measures, so each clip is encoded once and copied.
struct TestClips {
    /// Where the seed clips are written (made on first use, reused after).
    let work: String

    /// A good clip and what its GIF must be.
    struct Seed {
        var path: String
        var ext: String
        var width: Int, height: Int
        /// Frames in the clip (10 fps), so frames in its GIF.
        var frames: Int
    }

    /// The four hue-rotated 64x48 H.264 MP4s `seconds` long that most tests copy.
    func mp4Seeds(seconds: String = "0.3") throws -> [String] {
        try (0..<4).map { i in
            try make("seed\(i)-\(seconds).mp4", ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=\(seconds)",
                                                 "-vf", "hue=h=\(i * 90)", "-pix_fmt", "yuv420p"])
        }
    }

    /// `count` copies of the `mp4Seeds` in nested folders; returns their keys.
    func mp4Tree(_ root: String, count: Int, seconds: String = "0.3") throws -> [String] {
        let seeds = try mp4Seeds(seconds: seconds)
        return try (0..<count).map { i in
            let key = "d\(i % 3)/sub\(i % 2)/clip\(i).mp4"
            try place(seeds[i % 4], at: root + "/" + key)
            return key
        }
    }

    /// One clip per codec and container a batch meets (H.264, VP8, VP9, HEVC, MPEG-4 part 2,
    /// MPEG-2, MJPEG, FFV1, GIF in MP4, WebM, MKV, AVI, MOV, TS, GIF), of odd sizes and lengths.
    func codecSeeds() throws -> [Seed] {
        let specs: [(ext: String, w: Int, h: Int, frames: Int, codec: [String])] = [
            ("mp4", 64, 48, 3, ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
            ("webm", 48, 64, 4, ["-c:v", "libvpx-vp9"]),
            ("avi", 80, 48, 5, ["-c:v", "mpeg4"]),
            ("mov", 64, 64, 3, ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p"]),
            ("mkv", 64, 48, 6, ["-c:v", "libx265", "-x265-params", "log-level=error"]),
            ("mkv", 96, 54, 3, ["-c:v", "ffv1"]),
            ("webm", 64, 48, 4, ["-c:v", "libvpx"]),
            ("ts", 64, 48, 5, ["-c:v", "mpeg2video"]),
            ("gif", 64, 48, 3, []),
        ]
        return try specs.enumerated().map { i, s in
            let path = try make("codec\(i).\(s.ext)", ["-f", "lavfi", "-i", "testsrc=size=\(s.w)x\(s.h):rate=10:duration=\(Double(s.frames) / 10)"]
                                + s.codec)
            return Seed(path: path, ext: s.ext, width: s.w, height: s.h, frames: s.frames)
        }
    }

    /// The kinds of bad input the issue names, and how the batch must report each.
    enum Bad: String, CaseIterable {
        case truncated, zeroBytes, garbage, audioOnly, unsupportedCodec

        /// The journal's and summary's category.
        var category: String { self == .unsupportedCodec ? "unsupported" : "badInput" }
        /// Words the reason must contain.
        var reason: String {
            switch self {
            case .truncated: return "truncated"
            case .zeroBytes: return "empty"
            case .garbage: return "not a video"
            case .audioOnly: return "no video stream"
            case .unsupportedCodec: return "has no decoder"
            }
        }
        /// Variant `v`'s extension (variants differ in container, so in how FFmpeg fails).
        func ext(_ v: Int) -> String {
            switch self {
            case .truncated: return v % 4 == 3 ? "mov" : "mp4"
            case .zeroBytes, .garbage: return ["mp4", "mov", "mkv", "webm"][v % 4]
            case .audioOnly: return ["mp4", "mkv", "avi", "mov"][v % 4]
            case .unsupportedCodec: return "avi"
            }
        }
    }

    /// Writes variant `v` of a bad input to `path` (its extension is `bad.ext(v)`).
    func writeBad(_ bad: Bad, variant v: Int, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        switch bad {
        case .truncated:
            // MP4/MOV with the index at the end: any prefix short of it has no usable frame.
            let seeds = try codecSeeds()
            let whole = try Data(contentsOf: URL(fileURLWithPath: seeds[v % 4 == 3 ? 3 : 0].path))
            let keep = [whole.count / 4, whole.count / 3, whole.count / 2, whole.count / 3][v % 4]
            try whole.prefix(keep).write(to: URL(fileURLWithPath: path))
        case .zeroBytes:
            try Data().write(to: URL(fileURLWithPath: path))
        case .garbage:
            // Fixed pseudo-random bytes (SplitMix64), so a run cannot draw a file FFmpeg happens to probe.
            var state = UInt64(0x9E37_79B9_7F4A_7C15) &* UInt64(v + 1)
            let bytes = (0..<3000).map { _ -> UInt8 in
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return UInt8(truncatingIfNeeded: z ^ (z >> 31))
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        case .audioOnly:
            let codec = bad.ext(v) == "mp4" || bad.ext(v) == "mov" ? "aac" : "pcm_s16le"
            try Tool.ffmpeg(["-f", "lavfi", "-i", "sine=duration=\(0.2 + 0.1 * Double(v % 4))", "-c:a", codec, path])
        case .unsupportedCodec:
            // An MPEG-4 AVI whose codec tag names no codec FFmpeg knows.
            let avi = try Data(contentsOf: URL(fileURLWithPath: try codecSeeds()[2].path))
            try Self.replacing(Array("FMP4".utf8), with: Array("QQQ\(v % 10)".utf8), in: avi).write(to: URL(fileURLWithPath: path))
        }
    }

    /// Copies `file` to `path`, making its folder.
    func place(_ file: String, at path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: path)
    }

    /// `work/name`, encoded by ffmpeg from `args` unless already there.
    private func make(_ name: String, _ args: [String]) throws -> String {
        let p = work + "/" + name
        if !FileManager.default.fileExists(atPath: p) { try Tool.ffmpeg(args + [p]) }
        return p
    }

    private static func replacing(_ tag: [UInt8], with new: [UInt8], in data: Data) -> Data {
        var bytes = [UInt8](data)
        var i = 0
        while i + tag.count <= bytes.count {
            if Array(bytes[i..<(i + tag.count)]) == tag { bytes.replaceSubrange(i..<(i + tag.count), with: new) }
            i += 1
        }
        return Data(bytes)
    }
}
