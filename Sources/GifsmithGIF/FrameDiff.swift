import GifsmithCore

/// The per-pixel part of the frame optimiser: plain loops over integer arrays, written to
/// be mirrored one-to-one in a compute shader. Decisions built on them live in
/// `GIFFrameEncoder`.
enum FrameDiff {
    /// 256 packed colours `r << 16 | g << 8 | b`; entries past the palette are black, which
    /// is what the padded colour table shows for them.
    static func colorLUT(_ palette: Palette) -> [UInt32] {
        var lut = [UInt32](repeating: 0, count: 256)
        for (i, c) in palette.colors.enumerated() {
            lut[i] = UInt32(c.r) << 16 | UInt32(c.g) << 8 | UInt32(c.b)
        }
        return lut
    }

    /// The largest index in `indices` (0 for none).
    static func maxIndex(_ indices: [UInt8]) -> Int {
        var m: UInt8 = 0
        indices.withUnsafeBufferPointer { p in
            for v in p where v > m { m = v }
        }
        return Int(m)
    }

    /// The smallest rectangle holding every pixel whose displayed colour differs, or nil
    /// when none does. Both images are `width` x `height`.
    static func changedBounds(previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32],
                              width: Int, height: Int) -> PixelRect? {
        var minX = width, minY = height, maxX = -1, maxY = -1
        previous.withUnsafeBufferPointer { p in
            current.withUnsafeBufferPointer { c in
                previousLUT.withUnsafeBufferPointer { pl in
                    currentLUT.withUnsafeBufferPointer { cl in
                        for y in 0 ..< height {
                            let row = y * width
                            var first = -1
                            var last = -1
                            for x in 0 ..< width {
                                let i = row + x
                                if pl[Int(p[i])] != cl[Int(c[i])] {
                                    if first < 0 { first = x }
                                    last = x
                                }
                            }
                            if first >= 0 {
                                if first < minX { minX = first }
                                if last > maxX { maxX = last }
                                if y < minY { minY = y }
                                maxY = y
                            }
                        }
                    }
                }
            }
        }
        if maxX < 0 { return nil }
        return PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }

    /// The pixels of `rect` from `current`, row by row.
    static func crop(_ current: [UInt8], width: Int, rect: PixelRect) -> [UInt8] {
        if rect.x == 0 && rect.y == 0 && rect.width == width && rect.width * rect.height == current.count {
            return current
        }
        var out = [UInt8](repeating: 0, count: rect.width * rect.height)
        current.withUnsafeBufferPointer { c in
            out.withUnsafeMutableBufferPointer { o in
                for y in 0 ..< rect.height {
                    let src = (rect.y + y) * width + rect.x
                    let dst = y * rect.width
                    for x in 0 ..< rect.width { o[dst + x] = c[src + x] }
                }
            }
        }
        return out
    }

    /// The pixels of `rect` from `current`, with every pixel whose displayed colour is
    /// unchanged replaced by `transparent`; also returns how many were replaced.
    static func cropMaskingUnchanged(previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32],
                                     width: Int, rect: PixelRect, transparent: UInt8) -> (indices: [UInt8], replaced: Int) {
        var out = [UInt8](repeating: 0, count: rect.width * rect.height)
        var replaced = 0
        previous.withUnsafeBufferPointer { p in
            current.withUnsafeBufferPointer { c in
                previousLUT.withUnsafeBufferPointer { pl in
                    currentLUT.withUnsafeBufferPointer { cl in
                        out.withUnsafeMutableBufferPointer { o in
                            for y in 0 ..< rect.height {
                                let src = (rect.y + y) * width + rect.x
                                let dst = y * rect.width
                                for x in 0 ..< rect.width {
                                    let i = src + x
                                    let v = c[i]
                                    if pl[Int(p[i])] == cl[Int(v)] {
                                        o[dst + x] = transparent
                                        replaced += 1
                                    } else {
                                        o[dst + x] = v
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (out, replaced)
    }
}
