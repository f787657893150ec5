import Foundation
import GifsmithCore

/// Writes frames as an uncompressed 24-bit AVI (BI_RGB, bottom-up BGR rows padded to 4 bytes,
/// dwScale/dwRate holding the exact frame rate), the simplest container FFmpeg reads losslessly as
/// RGB with exact timestamps: how in-memory frames reach the decoder without a second decode path.
///
/// AVI 1.0 sizes are 32-bit, so a file must stay under 4 GiB.
struct RawAVIWriter {
    /// Headroom under 2^32 for the headers and the index.
    static let maxBytes: Int64 = (1 << 32) - (64 << 20)

    private let fd: Int32
    private let width: Int
    private let height: Int
    private let rowBytes: Int
    private var frames = 0
    private var offset: Int64 = 0
    private var moviOffset: Int64 = 0
    private var frameBuffer: [UInt8]

    init(fd: Int32, width: Int, height: Int, rate: FrameRate) throws {
        guard width >= 1, height >= 1, width <= 16384, height <= 16384 else {
            throw GifsmithError.invalidOption("in-memory frames of \(width)x\(height): each side must be 1...16384")
        }
        guard rate.numerator > 0, rate.denominator > 0, rate.numerator <= Int(UInt32.max), rate.denominator <= Int(UInt32.max) else {
            throw GifsmithError.invalidOption("in-memory frames at \(rate) fps: the rate must be a positive fraction")
        }
        self.fd = fd
        self.width = width
        self.height = height
        rowBytes = (width * 3 + 3) & ~3
        frameBuffer = [UInt8](repeating: 0, count: rowBytes * height)

        let frameBytes = UInt32(rowBytes * height)
        let usPerFrame = UInt32(min(Int(UInt32.max), (1_000_000 * rate.denominator + rate.numerator / 2) / rate.numerator))
        var h = ByteWriter()
        h.fourCC("RIFF"); h.u32(0); h.fourCC("AVI ")            // size patched at the end (offset 4)
        h.fourCC("LIST"); h.u32(4 + 8 + 56 + 8 + 4 + 8 + 56 + 8 + 40); h.fourCC("hdrl")
        h.fourCC("avih"); h.u32(56)
        h.u32(usPerFrame); h.u32(0); h.u32(0)
        h.u32(0x10)                                              // AVIF_HASINDEX
        h.u32(0)                                                 // total frames, patched (offset 48)
        h.u32(0); h.u32(1); h.u32(frameBytes); h.u32(UInt32(width)); h.u32(UInt32(height))
        h.u32(0); h.u32(0); h.u32(0); h.u32(0)
        h.fourCC("LIST"); h.u32(4 + 8 + 56 + 8 + 40); h.fourCC("strl")
        h.fourCC("strh"); h.u32(56)
        h.fourCC("vids"); h.u32(0); h.u32(0); h.u32(0); h.u32(0)
        h.u32(UInt32(rate.denominator)); h.u32(UInt32(rate.numerator)) // dwScale, dwRate: exact
        h.u32(0)
        h.u32(0)                                                 // dwLength, patched (offset 140)
        h.u32(frameBytes); h.u32(0xFFFF_FFFF); h.u32(0)
        h.u16(0); h.u16(0); h.u16(UInt16(truncatingIfNeeded: width)); h.u16(UInt16(truncatingIfNeeded: height))
        h.fourCC("strf"); h.u32(40)
        h.u32(40); h.u32(UInt32(width)); h.u32(UInt32(height))   // positive height: bottom-up rows
        h.u16(1); h.u16(24); h.u32(0); h.u32(frameBytes)
        h.u32(0); h.u32(0); h.u32(0); h.u32(0)
        h.fourCC("LIST"); h.u32(0); h.fourCC("movi")             // size patched (offset moviOffset - 4)
        try write(h.bytes)
        moviOffset = offset - 4
    }

    /// Appends one frame; its size must be the file's.
    mutating func append(_ image: RGBImage) throws {
        guard image.width == width, image.height == height, image.pixels.count == width * height * 3 else {
            throw GifsmithError.invalidOption("in-memory frame \(frames) is \(image.width)x\(image.height) with \(image.pixels.count) bytes; every frame must be \(width)x\(height) RGB")
        }
        guard offset + Int64(frameBuffer.count + 8) + Int64(16 * (frames + 1)) < Self.maxBytes else {
            throw GifsmithError.invalidOption("in-memory frames exceed 4 GiB of raw RGB (\(frames) frames of \(width)x\(height)); write them to a video file instead")
        }
        let w = width, h = height, stride = rowBytes
        image.pixels.withUnsafeBufferPointer { src in
            frameBuffer.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    // Bottom-up: the image's last row is the file's first.
                    let s = y * w * 3, d = (h - 1 - y) * stride
                    for x in 0..<w {
                        dst[d + 3 * x] = src[s + 3 * x + 2]
                        dst[d + 3 * x + 1] = src[s + 3 * x + 1]
                        dst[d + 3 * x + 2] = src[s + 3 * x]
                    }
                }
            }
        }
        var chunk = ByteWriter()
        chunk.fourCC("00db"); chunk.u32(UInt32(frameBuffer.count))
        try write(chunk.bytes)
        try write(frameBuffer)
        frames += 1
    }

    /// Writes the index and the sizes that were unknown at the start.
    mutating func finish() throws {
        let moviSize = UInt32(offset - moviOffset)  // from the 'movi' tag to the last chunk's end
        var index = ByteWriter()
        index.fourCC("idx1"); index.u32(UInt32(16 * frames))
        for k in 0..<frames {
            index.fourCC("00db"); index.u32(0x10)
            // Offsets from the 'movi' tag: 4 for the tag, then 8 + frame bytes per earlier chunk.
            index.u32(UInt32(4 + k * (8 + frameBuffer.count))); index.u32(UInt32(frameBuffer.count))
        }
        try write(index.bytes)
        try patch(at: 4, UInt32(offset - 8))
        try patch(at: 48, UInt32(frames))
        try patch(at: 140, UInt32(frames))
        try patch(at: moviOffset - 4, moviSize)
    }

    var frameCount: Int { frames }

    private mutating func write(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw GifsmithError.output("cannot write the temporary frame file (\(String(cString: strerror(errno)))); is the disk full?")
            }
            done += n
        }
        offset += Int64(bytes.count)
    }

    private func patch(at position: Int64, _ value: UInt32) throws {
        var le = value.littleEndian
        let n = withUnsafeBytes(of: &le) { pwrite(fd, $0.baseAddress!, 4, off_t(position)) }
        guard n == 4 else {
            throw GifsmithError.output("cannot write the temporary frame file (\(String(cString: strerror(errno))))")
        }
    }
}

/// Little-endian header bytes.
private struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(truncatingIfNeeded: v)); bytes.append(UInt8(truncatingIfNeeded: v >> 8)) }
    mutating func fourCC(_ s: String) { bytes.append(contentsOf: Array(s.utf8)) }
}
