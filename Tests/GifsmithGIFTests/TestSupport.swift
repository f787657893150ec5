import Foundation
import GifsmithCore
import GifsmithGIF
import XCTest

/// Deterministic xorshift generator so failures reproduce.
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}

func randomPalette(_ count: Int, rng: inout TestRNG) -> Palette {
    Palette((0 ..< count).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) })
}

/// Palette with guaranteed distinct colours, so index changes are colour changes.
func distinctPalette(_ count: Int, rng: inout TestRNG) -> Palette {
    var seen = Set<RGB8>()
    var colors: [RGB8] = []
    while colors.count < count {
        let c = RGB8(rng.byte(), rng.byte(), rng.byte())
        if seen.insert(c).inserted { colors.append(c) }
    }
    return Palette(colors)
}

func randomImage(_ width: Int, _ height: Int, colors: Int, rng: inout TestRNG) -> IndexedImage {
    IndexedImage(width: width, height: height, indices: (0 ..< width * height).map { _ in UInt8(rng.below(colors)) })
}

/// The canvas a frame should display: its colours, packed RGB.
func expectedRGB(_ frame: GIFFrameInput) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(frame.image.indices.count * 3)
    for i in frame.image.indices {
        let c = frame.palette.colors[Int(i)]
        out.append(c.r)
        out.append(c.g)
        out.append(c.b)
    }
    return out
}

/// Encodes and writes frames to bytes the way the Transcoder will.
func writeGIF(_ frames: [GIFFrameInput], globalPalette: Palette?, loop: LoopMode = .forever, optimize: Bool) throws -> [UInt8] {
    var bytes: [UInt8] = []
    let writer = try GIFStreamWriter(width: frames[0].image.width, height: frames[0].image.height,
                                     globalPalette: globalPalette, loop: loop) { bytes.append(contentsOf: $0) }
    for (k, f) in frames.enumerated() {
        try writer.append(frameBytes: GIFFrameEncoder.encode(f, previous: k > 0 ? frames[k - 1] : nil, optimize: optimize))
    }
    try writer.finish()
    return bytes
}

/// A temporary directory removed when the test ends.
final class TempDir {
    let url: URL
    init() throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gifsmith-gif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

struct ToolFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs a tool, returns its stdout; throws with stderr on a non-zero exit. Stderr goes to a
/// file so a chatty tool cannot block on a full pipe while we read stdout.
func runTool(_ path: String, _ args: [String]) throws -> Data {
    let errURL = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gifsmith-gif-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errURL) }
    let errHandle = try FileHandle(forWritingTo: errURL)
    defer { try? errHandle.close() }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = errHandle
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        throw ToolFailure(description: "\(path) \(args.joined(separator: " ")) exited \(p.terminationStatus): \(err)")
    }
    return data
}

/// What an independent decoder saw.
struct ExternalDecode {
    var frames: [[UInt8]]
    var delays: [Int]?  // centiseconds
    var loop: Int??  // Pillow only: nil = unknown, .some(nil) = no loop key
}

enum ExternalDecoder: CaseIterable {
    case ffmpeg, pillow, imagemagick

    func decode(_ gif: [UInt8], width: Int, height: Int, dir: TempDir) throws -> ExternalDecode {
        let path = dir.file("x-\(UUID().uuidString).gif")
        try Data(gif).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let frameSize = width * height * 3
        func split(_ d: Data) throws -> [[UInt8]] {
            let bytes = [UInt8](d)
            guard bytes.count % frameSize == 0 else {
                throw ToolFailure(description: "\(self) gave \(bytes.count) bytes, not a multiple of \(frameSize)")
            }
            return stride(from: 0, to: bytes.count, by: frameSize).map { Array(bytes[$0 ..< $0 + frameSize]) }
        }
        switch self {
        case .ffmpeg:
            let raw = try runTool("/usr/bin/ffmpeg", ["-v", "error", "-i", path.path, "-f", "rawvideo", "-pix_fmt", "rgb24",
                                                     "-fps_mode", "passthrough", "-"])
            let probe = try runTool("/usr/bin/ffprobe", ["-v", "error", "-show_frames", "-show_entries", "frame=pkt_duration",
                                                         "-of", "csv=p=0", path.path])
            let delays = String(decoding: probe, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ", "))) ?? -1 }
            return ExternalDecode(frames: try split(raw), delays: delays, loop: nil)
        case .imagemagick:
            let raw = try runTool("/usr/bin/convert", [path.path, "-coalesce", "-depth", "8", "rgb:-"])
            return ExternalDecode(frames: try split(raw), delays: nil, loop: nil)
        case .pillow:
            let rawPath = dir.file("p-\(UUID().uuidString).rgb")
            let script = """
            import sys, json
            from PIL import Image
            im = Image.open(sys.argv[1])
            durations = []
            with open(sys.argv[2], 'wb') as out:
                for i in range(im.n_frames):
                    im.seek(i)
                    durations.append(im.info.get('duration'))
                    out.write(im.convert('RGB').tobytes())
            print(json.dumps({'durations': durations, 'loop': im.info.get('loop', -1), 'size': list(im.size)}))
            """
            let meta = try runTool("/usr/bin/python3", ["-c", script, path.path, rawPath.path])
            defer { try? FileManager.default.removeItem(at: rawPath) }
            struct Meta: Decodable { var durations: [Int?]; var loop: Int; var size: [Int] }
            let m = try JSONDecoder().decode(Meta.self, from: meta)
            guard m.size == [width, height] else { throw ToolFailure(description: "Pillow saw size \(m.size)") }
            return ExternalDecode(frames: try split(try Data(contentsOf: rawPath)),
                                  delays: m.durations.map { ($0 ?? -10) / 10 },
                                  loop: .some(m.loop < 0 ? nil : m.loop))
        }
    }
}

/// Asserts that every independent decoder and our own reader show exactly `frames`.
func assertDecodesExactly(_ gif: [UInt8], _ frames: [GIFFrameInput], loop: Int?, checkDelays: Bool = true,
                          decoders: [ExternalDecoder] = ExternalDecoder.allCases,
                          file: StaticString = #filePath, line: UInt = #line) throws {
    let width = frames[0].image.width, height = frames[0].image.height
    let expected = frames.map(expectedRGB)
    let delays = frames.map(\.delayCentiseconds)

    let ours = try GIFReader.decode(gif)
    XCTAssertEqual(ours.width, width, file: file, line: line)
    XCTAssertEqual(ours.height, height, file: file, line: line)
    XCTAssertEqual(ours.loopCount, loop, "loop count (own reader)", file: file, line: line)
    XCTAssertEqual(ours.frames.count, frames.count, "frame count (own reader)", file: file, line: line)
    for (k, f) in zip(ours.frames, expected).enumerated() where f.0.rgb != f.1 {
        XCTFail("own reader: frame \(k) differs", file: file, line: line)
        break
    }
    if checkDelays { XCTAssertEqual(ours.frames.map(\.delayCentiseconds), delays, file: file, line: line) }

    let dir = try TempDir()
    for decoder in decoders {
        let got = try decoder.decode(gif, width: width, height: height, dir: dir)
        XCTAssertEqual(got.frames.count, frames.count, "\(decoder): frame count", file: file, line: line)
        for (k, f) in zip(got.frames, expected).enumerated() where f.0 != f.1 {
            let firstBad = zip(f.0, f.1).enumerated().first { $0.element.0 != $0.element.1 }!.offset / 3
            XCTFail("\(decoder): frame \(k) differs first at pixel (\(firstBad % width), \(firstBad / width))", file: file, line: line)
            break
        }
        if checkDelays, let d = got.delays {
            XCTAssertEqual(d, delays, "\(decoder): delays", file: file, line: line)
        }
        if case let .some(l) = got.loop {
            XCTAssertEqual(l, loop, "\(decoder): loop", file: file, line: line)
        }
    }
}
