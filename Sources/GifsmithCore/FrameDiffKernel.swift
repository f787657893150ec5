/// Which pixels of a frame show a different colour from the frame before it: the per-pixel
/// part of the GIF frame optimiser (`PixelBackend.frameChanges`).
public struct FrameChanges: Sendable, Equatable {
    /// The smallest rectangle holding every changed pixel; nil when no pixel changed.
    public var bounds: PixelRect?
    /// One byte a pixel, row by row, width × height: 1 where the displayed colour changed, 0
    /// where it did not. The same layout as an `IndexedImage`, so the encoder reads it side by
    /// side with the indices when it replaces unchanged pixels by the transparent index.
    public var mask: [UInt8]

    public init(bounds: PixelRect?, mask: [UInt8]) {
        self.bounds = bounds
        self.mask = mask
    }
}

/// The reference for `PixelBackend.frameChanges`, mirrored by Shaders/frameDiff.comp.
///
/// A pixel changed when `previousLUT[previous[i]] != currentLUT[current[i]]`: the LUTs hold
/// each index's displayed colour (256 packed `r << 16 | g << 8 | b` words, entries past the
/// palette 0), so different indices that show one colour count as unchanged and one index
/// whose colour differs between the two palettes counts as changed. Only equality of 32-bit
/// words and min/max of coordinates: any order of evaluation gives the same mask and bounds,
/// which is what lets the shader reduce the bounds with atomics.
public enum FrameDiffKernel {
    /// Entries in each colour LUT: one per possible index.
    public static let lutSize = 256

    /// A palette's colour LUT: `lutSize` packed colours `r << 16 | g << 8 | b`; entries past the
    /// palette are black, which is what the padded colour table shows for them.
    public static func colorLUT(_ palette: Palette) -> [UInt32] {
        var lut = [UInt32](repeating: 0, count: lutSize)
        for (i, c) in palette.colors.enumerated() {
            lut[i] = UInt32(c.r) << 16 | UInt32(c.g) << 8 | UInt32(c.b)
        }
        return lut
    }

    /// Refuses inputs the kernels do not handle (the kernels themselves trust their inputs).
    public static func validate(previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32],
                                width: Int, height: Int) throws {
        guard width >= 0, height >= 0, !width.multipliedReportingOverflow(by: height).overflow else {
            throw CoreError.invalidGeometry("a \(width)x\(height) frame is not a valid size")
        }
        let n = width * height
        guard previous.count == n, current.count == n else {
            throw CoreError.invalidGeometry("frames of \(previous.count) and \(current.count) indices do not fit \(width)x\(height)")
        }
        guard previousLUT.count == lutSize, currentLUT.count == lutSize else {
            throw CoreError.invalidOption("colour LUTs need \(lutSize) entries each, not \(previousLUT.count) and \(currentLUT.count)")
        }
    }

    /// The changed-pixel mask and its bounding box, in one pass over the frame.
    ///
    /// Each row's mask bytes are written first (a branch-free compare per pixel, and an OR of
    /// them), and only a row with a change is searched for its first and last changed pixel:
    /// as fast as the bounds alone, with the mask for free.
    /// - Precondition: the inputs pass `validate`.
    public static func changes(previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32],
                               width: Int, height: Int) -> FrameChanges {
        let n = width * height
        var minX = width, minY = height, maxX = -1, maxY = -1
        let mask = [UInt8](unsafeUninitializedCapacity: n) { m, initialized in
            previous.withUnsafeBufferPointer { p in
                current.withUnsafeBufferPointer { c in
                    previousLUT.withUnsafeBufferPointer { pl in
                        currentLUT.withUnsafeBufferPointer { cl in
                            for y in 0 ..< height {
                                let row = y * width
                                var any: UInt8 = 0
                                for x in 0 ..< width {
                                    let i = row + x
                                    let changed: UInt8 = pl[Int(p[i])] != cl[Int(c[i])] ? 1 : 0
                                    m[i] = changed
                                    any |= changed
                                }
                                if any == 0 { continue }
                                var first = 0
                                while m[row + first] == 0 { first += 1 }
                                var last = width - 1
                                while m[row + last] == 0 { last -= 1 }
                                if first < minX { minX = first }
                                if last > maxX { maxX = last }
                                if y < minY { minY = y }
                                maxY = y
                            }
                        }
                    }
                }
            }
            initialized = n
        }
        let bounds = maxX < 0 ? nil : PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
        return FrameChanges(bounds: bounds, mask: mask)
    }
}
