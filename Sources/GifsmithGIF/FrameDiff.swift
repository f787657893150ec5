import GifsmithCore

/// Helpers of the frame optimiser around the per-pixel part (`PixelBackend.frameChanges`,
/// `FrameDiffKernel`, whose `colorLUT` makes its inputs): crops out. Decisions built on them
/// live in `GIFFrameEncoder`.
enum FrameDiff {
    /// The largest index in `indices` (0 for none).
    static func maxIndex(_ indices: [UInt8]) -> Int {
        var m: UInt8 = 0
        indices.withUnsafeBufferPointer { p in
            for v in p where v > m { m = v }
        }
        return Int(m)
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

    /// The pixels of `rect` from `current`, with every pixel the mask marks unchanged (0)
    /// replaced by `transparent`; also returns how many were replaced. `mask` is
    /// `FrameChanges.mask`: one byte a pixel, 0 or 1, the layout of `current`.
    static func cropMasked(_ current: [UInt8], mask: [UInt8], width: Int, rect: PixelRect,
                           transparent: UInt8) -> (indices: [UInt8], replaced: Int) {
        let count = rect.width * rect.height
        var kept = 0
        let out = [UInt8](unsafeUninitializedCapacity: count) { o, initialized in
            current.withUnsafeBufferPointer { c in
                mask.withUnsafeBufferPointer { m in
                    // Plain pointers and a byte-wide select: the loop compiles to vector code
                    // (buffer subscripts and a wide counter kept it scalar, ten times slower).
                    guard let cb = c.baseAddress, let mb = m.baseAddress, let ob = o.baseAddress else { return }
                    for y in 0 ..< rect.height {
                        let src = (rect.y + y) * width + rect.x
                        let indexRow = cb + src, maskRow = mb + src, outRow = ob + y * rect.width
                        // Kept pixels are counted in a byte, so in spans of at most 255.
                        var x = 0
                        while x < rect.width {
                            let end = min(rect.width, x + 255)
                            var span: UInt8 = 0
                            for j in x ..< end {
                                let k = maskRow[j]
                                span &+= k
                                let keep = 0 &- k  // 0xFF to keep the index, 0 to replace it
                                outRow[j] = (indexRow[j] & keep) | (transparent & ~keep)
                            }
                            kept += Int(span)
                            x = end
                        }
                    }
                }
            }
            initialized = count
        }
        return (out, count - kept)
    }
}
