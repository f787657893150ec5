import GifsmithCore

/// Colour-table sizing and serialisation shared by the writer (global table) and the frame
/// encoder (local tables), so both agree on padding and code sizes.
enum ColorTable {
    /// The smallest power of two ≥ `count` and ≥ 2: the number of entries a GIF table with
    /// `count` colours occupies (1...256 in, 2...256 out).
    static func paddedSize(_ count: Int) -> Int {
        var size = 2
        while size < count { size <<= 1 }
        return size
    }

    /// log2 of a padded size (1...8): the value the 3-bit size fields store plus one.
    static func bits(_ paddedSize: Int) -> Int {
        var b = 1
        while (1 << b) < paddedSize { b += 1 }
        return b
    }

    /// LZW minimum code size for a table of `paddedSize` entries: at least 2, as GIF requires.
    static func minimumCodeSize(_ paddedSize: Int) -> Int {
        max(2, bits(paddedSize))
    }

    /// Appends `palette`'s colours padded with black to `paddedSize` entries.
    static func append(_ palette: Palette, paddedSize: Int, to out: inout [UInt8]) {
        for c in palette.colors {
            out.append(c.r)
            out.append(c.g)
            out.append(c.b)
        }
        let padding = paddedSize - palette.count
        if padding > 0 { out.append(contentsOf: repeatElement(0, count: padding * 3)) }
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendLE16(_ v: Int) {
        append(UInt8(truncatingIfNeeded: v))
        append(UInt8(truncatingIfNeeded: v >> 8))
    }
}
