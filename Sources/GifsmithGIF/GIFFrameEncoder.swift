import GifsmithCore

/// Everything needed to encode one frame; frames depend on each other only through the
/// previous frame's displayed image.
public struct GIFFrameInput: Sendable {
    /// The whole canvas, one palette index a pixel. Every index must be below
    /// `palette.count` (the entries past it are padding, one of them the transparent index);
    /// a larger one is a programming error and traps.
    public var image: IndexedImage
    /// The colours the indices refer to. For a global-palette frame this must be the
    /// palette given to `GIFStreamWriter`.
    public var palette: Palette
    /// false: the palette is written with the frame as a local colour table.
    public var usesGlobalPalette: Bool
    /// Display time in centiseconds (clamped to 0...65535 when written).
    public var delayCentiseconds: Int

    public init(image: IndexedImage, palette: Palette, usesGlobalPalette: Bool, delayCentiseconds: Int) {
        self.image = image
        self.palette = palette
        self.usesGlobalPalette = usesGlobalPalette
        self.delayCentiseconds = delayCentiseconds
    }
}

/// Turns one frame into its GIF bytes: Graphic Control Extension, Image Descriptor,
/// optional local colour table, LZW image data.
///
/// Optimisation (when asked and a previous frame is given) stores only the bounding box of
/// pixels whose displayed colour changed. Inside the box, unchanged pixels may instead be
/// written as a transparent index, which lets LZW compress them as long runs: both forms
/// are encoded and the smaller kept (a tie keeps the form without transparency). The
/// transparent index is `palette.count`, the first padding entry, so it exists only when
/// the palette leaves one free: for a global palette when `count` is below its padded
/// table size (a 256- or 128-colour global palette gets no transparency; quantise to 255
/// or 127 to allow it), for a local palette whenever `count < 256` (the local table grows
/// to the next power of two if needed, and that cost is part of the comparison).
///
/// Every frame uses disposal 1 (leave in place), so the displayed image after frame k is
/// exactly frame k's input (with `lossy` > 0: within `LossyLZW`'s budget of it at every
/// pixel, since unchanged pixels keep what an earlier frame wrote for the same intended
/// colour and the transparent index is never replaced). A frame that changes nothing becomes a 1x1 frame at the top
/// left that repeats the colour already there, so its delay still counts.
public struct GIFFrameEncoder: Sendable {
    /// Where the encoder learns which pixels changed: `PixelBackend.frameChanges`'s shape, so a
    /// backend's method can be passed as it is. Any finder must return what the CPU reference,
    /// `FrameDiffKernel.changes`, returns; the overloads without one use that.
    public typealias FrameChangeFinder = (_ previous: [UInt8], _ previousLUT: [UInt32], _ current: [UInt8],
                                          _ currentLUT: [UInt32], _ width: Int, _ height: Int) throws -> FrameChanges

    /// Encodes one frame. `previous` is the previous frame's input (nil for the first frame);
    /// it is ignored unless `optimize` is true, and a previous frame of another size gives a
    /// full frame. `lossy` > 0 enables lossy LZW at that level (`LossyLZW`, budgeted
    /// against `frame.palette`); 0 gives the lossless bytes. Pure: safe to call from many
    /// threads at once.
    /// - Precondition: `lossy` in 0...`LossyLZW.maximumLevel`.
    public static func encode(_ frame: GIFFrameInput, previous: GIFFrameInput?, optimize: Bool, lossy: Int = 0) -> [UInt8] {
        encode(frame, previous: previous, optimize: optimize, using: LZWEncoder(), lossy: lossy, changes: FrameDiffKernel.changes)
    }

    /// As `encode(_:previous:optimize:)`, reusing `encoder`'s tables (saves allocating and
    /// zeroing a 32 KiB string table a frame). Use one encoder per thread.
    public static func encode(_ frame: GIFFrameInput, previous: GIFFrameInput?, optimize: Bool,
                              using encoder: LZWEncoder, lossy: Int = 0) -> [UInt8] {
        encode(frame, previous: previous, optimize: optimize, using: encoder, lossy: lossy, changes: FrameDiffKernel.changes)
    }

    /// As `encode(_:previous:optimize:using:)`, with the changed pixels from `changes` (a
    /// backend's `frameChanges`, so the device that made the frame also compares it). It is
    /// called only when optimising against a previous frame of the same size; its errors are
    /// rethrown.
    public static func encode(_ frame: GIFFrameInput, previous: GIFFrameInput?, optimize: Bool,
                              using encoder: LZWEncoder, lossy: Int = 0, changes: FrameChangeFinder) rethrows -> [UInt8] {
        let image = frame.image
        let lossyTable = lossy == 0 ? nil : LossyLZW(palette: frame.palette, level: lossy)
        precondition(FrameDiff.maxIndex(image.indices) < frame.palette.count,
                     "a frame's indices must be below its palette's \(frame.palette.count) colours")
        let full = PixelRect(x: 0, y: 0, width: image.width, height: image.height)
        let tableSize = ColorTable.paddedSize(frame.palette.count)

        guard optimize, let previous, previous.image.width == image.width, previous.image.height == image.height,
              !image.indices.isEmpty else {
            return frameBytes(frame, rect: full, indices: image.indices, tableSize: tableSize, transparent: nil, encoder: encoder,
                              lossy: lossyTable)!
        }

        let previousLUT = FrameDiffKernel.colorLUT(previous.palette)
        let currentLUT = FrameDiffKernel.colorLUT(frame.palette)
        let found = try changes(previous.image.indices, previousLUT, image.indices, currentLUT, image.width, image.height)
        // The crops below index the mask with plain pointers.
        precondition(found.mask.count == image.indices.count, "a frame-change mask must have one byte a pixel")
        guard let rect = found.bounds else {
            return unchangedFrameBytes(frame, currentLUT: currentLUT)
        }
        precondition(rect.x >= 0 && rect.y >= 0 && rect.width > 0 && rect.height > 0
                     && rect.x + rect.width <= image.width && rect.y + rect.height <= image.height,
                     "frame-change bounds \(rect) lie outside the \(image.width)x\(image.height) frame")

        let plainIndices = FrameDiff.crop(image.indices, width: image.width, rect: rect)
        func plain(limit: Int = .max) -> [UInt8]? {
            frameBytes(frame, rect: rect, indices: plainIndices, tableSize: tableSize, transparent: nil, encoder: encoder, limit: limit,
                       lossy: lossyTable)
        }

        let count = frame.palette.count
        let transparentTableSize: Int
        if frame.usesGlobalPalette {
            guard count < tableSize else { return plain()! }
            transparentTableSize = tableSize
        } else {
            guard count < 256 else { return plain()! }
            transparentTableSize = ColorTable.paddedSize(count + 1)
        }
        let transparent = UInt8(count)  // count < 256 checked above
        let (maskedIndices, replaced) = FrameDiff.cropMasked(image.indices, mask: found.mask, width: image.width, rect: rect,
                                                             transparent: transparent)
        // With nothing replaced the masked form is the plain one with an equal or larger table.
        guard replaced > 0 else { return plain()! }
        // Encode the likely winner first so the other can stop as soon as it has lost; the
        // choice is the same either way (the smaller; ties: plain). With many unchanged pixels
        // the masked form usually wins and, being mostly one long run, is cheap; with few, the
        // plain form usually wins.
        func masked(limit: Int) -> [UInt8]? {
            frameBytes(frame, rect: rect, indices: maskedIndices, tableSize: transparentTableSize,
                       transparent: transparent, encoder: encoder, limit: limit, lossy: lossyTable)
        }
        if replaced * 8 < rect.width * rect.height {
            let plainBytes = plain()!
            return masked(limit: plainBytes.count - 1) ?? plainBytes
        }
        let withTransparency = masked(limit: .max)!
        return plain(limit: withTransparency.count) ?? withTransparency
    }

    /// A 1x1 frame repeating the colour already shown at (0,0). A local-palette frame gets a
    /// 2-entry table holding just that colour instead of its whole palette.
    private static func unchangedFrameBytes(_ frame: GIFFrameInput, currentLUT: [UInt32]) -> [UInt8] {
        let rect = PixelRect(x: 0, y: 0, width: 1, height: 1)
        let index = frame.image.indices[0]
        if frame.usesGlobalPalette {
            return frameBytes(frame, rect: rect, indices: [index], tableSize: ColorTable.paddedSize(frame.palette.count),
                              transparent: nil, encoder: nil)!
        }
        let packed = currentLUT[Int(index)]
        let color = RGB8(UInt8(truncatingIfNeeded: packed >> 16), UInt8(truncatingIfNeeded: packed >> 8), UInt8(truncatingIfNeeded: packed))
        var tiny = frame
        tiny.palette = Palette([color])
        return frameBytes(tiny, rect: rect, indices: [0], tableSize: 2, transparent: nil, encoder: nil)!
    }

    /// Serialises one frame with the given rectangle, indices (rect-sized) and table size;
    /// nil if it would be more than `limit` bytes.
    private static func frameBytes(_ frame: GIFFrameInput, rect: PixelRect, indices: [UInt8], tableSize: Int,
                                   transparent: UInt8?, encoder: LZWEncoder?, limit: Int = .max,
                                   lossy: LossyLZW? = nil) -> [UInt8]? {
        var out: [UInt8] = []
        // Header and table only: the LZW encoder grows the array once to its own bound.
        out.reserveCapacity(32 + (frame.usesGlobalPalette ? 0 : tableSize * 3))

        // Graphic Control Extension: disposal 1 (keep), optional transparency.
        out.append(contentsOf: [0x21, 0xF9, 0x04])
        out.append(UInt8(1 << 2) | (transparent == nil ? 0 : 1))
        out.appendLE16(min(max(frame.delayCentiseconds, 0), 65535))
        out.append(transparent ?? 0)
        out.append(0)

        // Image Descriptor.
        out.append(0x2C)
        out.appendLE16(rect.x)
        out.appendLE16(rect.y)
        out.appendLE16(rect.width)
        out.appendLE16(rect.height)
        let bits = ColorTable.bits(tableSize)
        if frame.usesGlobalPalette {
            out.append(0)
        } else {
            out.append(0x80 | UInt8(bits - 1))
            ColorTable.append(frame.palette, paddedSize: tableSize, to: &out)
        }

        let mcs = ColorTable.minimumCodeSize(tableSize)
        out.append(UInt8(mcs))
        let headerSize = out.count
        let complete = indices.withUnsafeBufferPointer { buf in
            (encoder ?? LZWEncoder()).encode(buf, minimumCodeSize: mcs, appendingTo: &out,
                                             byteLimit: limit == .max ? .max : limit - headerSize, lossy: lossy)
        }
        return complete ? out : nil
    }
}
