import Foundation
import GifsmithCore

/// A minimal YUV4MPEG2 reader: 8-bit 4:2:0 only (`C420jpeg`, `C420mpeg2`, `C420paldv`,
/// `C420`, or no C tag), header fields W, H, F and C, `FRAME` markers with any parameters.
/// Frames become `PlanarFrame`s with the `.yuv` layout (BT.709, limited range unless FFmpeg's
/// `XCOLORRANGE=FULL` says otherwise; chroma centred, or left-sited for `C420mpeg2`).
struct Y4MClip {
    var width: Int
    var height: Int
    /// Frame rate as a fraction (numerator, denominator); 30:1 when the header gives none.
    var rate: (Int, Int)
    var colorspaceTag: String
    var frames: [PlanarFrame]

    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads at most `maxFrames` frames from `path`.
    static func read(path: String, maxFrames: Int = .max) throws -> Y4MClip {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(description: "cannot read \(path)")
        }
        return try data.withUnsafeBytes { raw -> Y4MClip in
            let bytes = raw.bindMemory(to: UInt8.self)
            return try parse(bytes, maxFrames: maxFrames, path: path)
        }
    }

    private static func line(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (String, Int)? {
        var i = start
        while i < bytes.count && bytes[i] != 0x0A { i += 1 }
        guard i < bytes.count else { return nil }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        return (text, i + 1)
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxFrames: Int, path: String) throws -> Y4MClip {
        guard let (header, afterHeader) = line(bytes, from: 0) else {
            throw ReadError(description: "\(path): no YUV4MPEG2 header line")
        }
        let fields = header.split(separator: " ")
        guard fields.first == "YUV4MPEG2" else {
            throw ReadError(description: "\(path): not a YUV4MPEG2 file (header starts \(header.prefix(16)))")
        }
        var width = 0, height = 0
        var rate = (30, 1)
        var tag = "420jpeg"
        var range = ColorRange.limited
        for f in fields.dropFirst() {
            let value = String(f.dropFirst())
            switch f.first {
            case "W": width = Int(value) ?? 0
            case "H": height = Int(value) ?? 0
            case "F":
                let p = value.split(separator: ":")
                if p.count == 2, let n = Int(p[0]), let d = Int(p[1]), n > 0, d > 0 { rate = (n, d) }
            case "C": tag = value
            case "X":
                if value.uppercased() == "COLORRANGE=FULL" { range = .full }
            default: break
            }
        }
        guard width > 0, height > 0 else {
            throw ReadError(description: "\(path): header has no valid W and H (\(header))")
        }
        let siting: ChromaSiting
        switch tag {
        case "420jpeg", "420paldv", "420": siting = .center
        case "420mpeg2": siting = .left
        default:
            throw ReadError(description: "\(path): colourspace C\(tag) is not supported (8-bit 4:2:0 only: C420jpeg, C420mpeg2, C420paldv)")
        }
        let layout = PlaneLayout.yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: .bt709, range: range, siting: siting)
        let cw = (width + 1) >> 1, ch = (height + 1) >> 1
        let ySize = width * height, cSize = cw * ch
        let frameMicros = Int64(1_000_000) * Int64(rate.1) / Int64(rate.0)

        var frames: [PlanarFrame] = []
        var pos = afterHeader
        while frames.count < maxFrames, pos < bytes.count {
            guard let (marker, afterMarker) = line(bytes, from: pos), marker.hasPrefix("FRAME") else {
                throw ReadError(description: "\(path): expected a FRAME marker at byte \(pos)")
            }
            guard afterMarker + ySize + 2 * cSize <= bytes.count else {
                break // a truncated last frame is dropped
            }
            var planes: [[UInt8]] = []
            var at = afterMarker
            for size in [ySize, cSize, cSize] {
                planes.append(Array(UnsafeBufferPointer(rebasing: bytes[at..<(at + size)])))
                at += size
            }
            let index = Int64(frames.count)
            frames.append(PlanarFrame(width: width, height: height, layout: layout, planes: planes,
                                      strides: [width, cw, cw], pts: index * frameMicros, duration: frameMicros))
            pos = at
        }
        guard !frames.isEmpty else {
            throw ReadError(description: "\(path): no complete frames")
        }
        return Y4MClip(width: width, height: height, rate: rate, colorspaceTag: tag, frames: frames)
    }
}
