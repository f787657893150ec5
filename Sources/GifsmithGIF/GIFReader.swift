import GifsmithCore

/// A decoded GIF: every frame composited onto the canvas.
public struct GIFImage: Sendable {
    public let width: Int
    public let height: Int
    /// The NETSCAPE2.0 loop count (0 = forever), or nil when the file has no such block.
    public let loopCount: Int?
    public let frames: [GIFDecodedFrame]
}

/// One frame as a viewer shows it, plus how it was stored.
public struct GIFDecodedFrame: Sendable {
    /// The whole canvas after drawing this frame (before its disposal): width*height*3 bytes.
    public let rgb: [UInt8]
    public let delayCentiseconds: Int
    /// The rectangle the frame's image data covers.
    public let rect: PixelRect
    /// The Graphic Control Extension's disposal method (0 when there is none).
    public let disposal: Int
    /// The transparent index, if the frame has one.
    public let transparentIndex: Int?
    /// Whether the frame carries its own colour table, and that table's entry count.
    public let localTableSize: Int?
    public let interlaced: Bool
}

/// A plain, strict GIF decoder for tests and checks (not tuned for speed).
///
/// The canvas starts black (browsers start transparent; nothing we write shows the
/// difference, because the first frame covers the canvas). Disposal 2 restores the
/// frame's rectangle to that black, disposal 3 to the canvas before the frame. Frames
/// that reach past the canvas are clipped. Indices past the colour table are an error,
/// except a transparent index, which is never looked up.
public enum GIFReader {
    public static func decode(_ bytes: [UInt8]) throws -> GIFImage {
        var r = ByteReader(bytes: bytes)
        let signature = try r.bytes(6)
        guard signature == Array("GIF89a".utf8) || signature == Array("GIF87a".utf8) else {
            throw GIFError.malformed("the file does not start with GIF87a or GIF89a")
        }
        let width = try r.le16()
        let height = try r.le16()
        let screenFlags = try r.byte()
        _ = try r.byte()  // background index: the canvas starts black regardless
        _ = try r.byte()  // aspect ratio
        var globalTable: [UInt8]?
        if screenFlags & 0x80 != 0 {
            globalTable = try r.bytes(3 << (Int(screenFlags & 7) + 1))
        }
        guard width > 0, height > 0 else { throw GIFError.malformed("the logical screen is \(width)x\(height)") }

        var canvas = [UInt8](repeating: 0, count: width * height * 3)
        var frames: [GIFDecodedFrame] = []
        var loopCount: Int?
        // Pending Graphic Control Extension for the next image.
        var delay = 0, disposal = 0
        var transparent: Int?

        while true {
            let introducer = try r.byte()
            switch introducer {
            case 0x3B:
                return GIFImage(width: width, height: height, loopCount: loopCount, frames: frames)
            case 0x21:
                let label = try r.byte()
                var offset = r.offset
                let body = try LZW.readSubBlocks(bytes, at: &offset)
                r.offset = offset
                if label == 0xF9 {
                    guard body.count >= 4 else { throw GIFError.malformed("a graphic control extension is \(body.count) bytes, not 4") }
                    disposal = Int(body[0] >> 2) & 7
                    delay = Int(body[1]) | Int(body[2]) << 8
                    transparent = body[0] & 1 != 0 ? Int(body[3]) : nil
                } else if label == 0xFF, body.count >= 14, Array(body[0 ..< 11]) == Array("NETSCAPE2.0".utf8), body[11] == 1 {
                    loopCount = Int(body[12]) | Int(body[13]) << 8
                }
            case 0x2C:
                let x = try r.le16(), y = try r.le16(), w = try r.le16(), h = try r.le16()
                let flags = try r.byte()
                var table = globalTable
                var localSize: Int?
                if flags & 0x80 != 0 {
                    localSize = 1 << (Int(flags & 7) + 1)
                    table = try r.bytes(3 * localSize!)
                }
                guard let table else { throw GIFError.malformed("frame \(frames.count) has no colour table (neither local nor global)") }
                let interlaced = flags & 0x40 != 0
                let mcs = Int(try r.byte())
                var offset = r.offset
                let data = try LZW.readSubBlocks(bytes, at: &offset)
                r.offset = offset
                let indices = try LZW.decodeCodeStream(data, minimumCodeSize: mcs, maximumCount: w * h)
                guard indices.count == w * h else {
                    throw GIFError.malformed("frame \(frames.count) holds \(indices.count) pixels, not \(w)x\(h)")
                }

                let saved = disposal == 3 ? canvas : []
                let entries = table.count / 3
                for row in 0 ..< h {
                    let cy = y + destinationRow(row, height: h, interlaced: interlaced)
                    guard cy < height else { continue }
                    for col in 0 ..< w {
                        let cx = x + col
                        guard cx < width else { continue }
                        let index = Int(indices[row * w + col])
                        if index == transparent { continue }
                        guard index < entries else {
                            throw GIFError.malformed("frame \(frames.count) uses index \(index) of a \(entries)-entry table")
                        }
                        let o = (cy * width + cx) * 3
                        canvas[o] = table[index * 3]
                        canvas[o + 1] = table[index * 3 + 1]
                        canvas[o + 2] = table[index * 3 + 2]
                    }
                }
                frames.append(GIFDecodedFrame(rgb: canvas, delayCentiseconds: delay,
                                              rect: PixelRect(x: x, y: y, width: w, height: h),
                                              disposal: disposal, transparentIndex: transparent,
                                              localTableSize: localSize, interlaced: interlaced))
                if disposal == 2 {
                    for cy in y ..< min(y + h, height) {
                        for cx in x ..< min(x + w, width) {
                            let o = (cy * width + cx) * 3
                            canvas[o] = 0
                            canvas[o + 1] = 0
                            canvas[o + 2] = 0
                        }
                    }
                } else if disposal == 3 {
                    canvas = saved
                }
                delay = 0
                disposal = 0
                transparent = nil
            default:
                throw GIFError.malformed("unexpected block introducer 0x\(String(introducer, radix: 16)) at byte \(r.offset - 1)")
            }
        }
    }

    /// The canvas row (relative to the frame) of the `row`-th stored row.
    static func destinationRow(_ row: Int, height: Int, interlaced: Bool) -> Int {
        guard interlaced else { return row }
        // Passes: every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd from 1.
        let passes = [(0, 8), (4, 8), (2, 4), (1, 2)]
        var remaining = row
        for (start, step) in passes {
            let rows = start < height ? (height - start + step - 1) / step : 0
            if remaining < rows { return start + remaining * step }
            remaining -= rows
        }
        return row
    }
}

private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw GIFError.malformed("the data ends at byte \(offset) without a trailer") }
        offset += 1
        return bytes[offset - 1]
    }

    mutating func le16() throws -> Int {
        let lo = try byte()
        return Int(lo) | Int(try byte()) << 8
    }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard offset + n <= bytes.count else { throw GIFError.malformed("the data ends inside a \(n)-byte field at byte \(offset)") }
        offset += n
        return Array(bytes[offset - n ..< offset])
    }
}
