import Foundation
import GifsmithCore

/// Streams a GIF89a to a byte sink: header, logical screen descriptor, optional global
/// colour table, optional NETSCAPE2.0 loop block, the frames in the order appended, trailer.
///
/// Frames arrive already encoded (`GIFFrameEncoder`), so encoding can run in parallel while
/// this object only writes bytes in order. Calls are serialised by a lock, so the writer may
/// be handed between threads; the sink is only ever called from inside that lock,
/// and its errors reach the caller unchanged.
///
/// Loop modes: `.forever` writes count 0; `.count(n)` for n in 1...65535 writes n (the
/// animation plays n + 1 times); `.count(0)` and `.none` write no block (plays once).
public final class GIFStreamWriter: @unchecked Sendable {
    private let sink: ([UInt8]) throws -> Void
    private let lock = NSLock()
    private var finished = false
    /// Bytes handed to the sink so far.
    public private(set) var bytesWritten = 0

    /// Validates the options and writes everything up to the first frame.
    public init(width: Int, height: Int, globalPalette: Palette?, loop: LoopMode,
                sink: @escaping ([UInt8]) throws -> Void) throws {
        guard (1 ... 65535).contains(width), (1 ... 65535).contains(height) else {
            throw GIFError.invalidCanvasSize(width: width, height: height)
        }
        var loopCount: Int?
        switch loop {
        case .forever: loopCount = 0
        case let .count(n):
            guard (0 ... 65535).contains(n) else { throw GIFError.invalidLoopCount(n) }
            loopCount = n == 0 ? nil : n
        case .none: loopCount = nil
        }
        self.sink = sink

        var head: [UInt8] = Array("GIF89a".utf8)
        head.appendLE16(width)
        head.appendLE16(height)
        // Colour resolution 8 bits (7 in the field); no sort flag.
        if let globalPalette {
            let size = ColorTable.paddedSize(globalPalette.count)
            head.append(0x80 | 0x70 | UInt8(ColorTable.bits(size) - 1))
            head.append(0)  // background colour index
            head.append(0)  // pixel aspect ratio: unspecified
            ColorTable.append(globalPalette, paddedSize: size, to: &head)
        } else {
            head.append(0x70)
            head.append(0)
            head.append(0)
        }
        if let loopCount {
            head.append(contentsOf: [0x21, 0xFF, 0x0B])
            head.append(contentsOf: Array("NETSCAPE2.0".utf8))
            head.append(contentsOf: [0x03, 0x01])
            head.appendLE16(loopCount)
            head.append(0)
        }
        try write(head)
    }

    /// Writes one frame's bytes as returned by `GIFFrameEncoder.encode`.
    public func append(frameBytes: [UInt8]) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { throw GIFError.writerFinished }
        try write(frameBytes)
    }

    /// Writes the trailer. The writer accepts nothing after this.
    public func finish() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { throw GIFError.writerFinished }
        finished = true
        try write([0x3B])
    }

    private func write(_ bytes: [UInt8]) throws {
        try sink(bytes)
        bytesWritten += bytes.count
    }
}
