/// Colour statistics of one or more images: the input of the palette stage.
///
/// Colours are binned at 6 bits per channel: `bin = (r >> 2) << 12 | (g >> 2) << 6 | (b >> 2)`.
/// Per bin it keeps the pixel count and the exact sums of r, g and b, so a palette colour
/// made from a set of bins is their exact mean, and a bin holding a single colour gives that
/// colour back exactly. Everything is an unsigned integer sum, hence order-independent: the
/// GPU may add with atomics in any order, frames may be merged in any order.
///
/// Range: a UInt64 sum of 8-bit values overflows only past 2^56 pixels, far beyond any clip.
public struct ColorHistogram: Sendable, Equatable {
    public static let bitsPerChannel = 6
    public static let binCount = 1 << 18

    /// Pixel count per bin (`binCount` entries).
    public var counts: [UInt64]
    /// Sums of r, g, b per bin, interleaved: bin `i` has its sums at `3*i`, `3*i+1`, `3*i+2`.
    public var sums: [UInt64]

    /// An empty histogram.
    public init() {
        counts = [UInt64](repeating: 0, count: Self.binCount)
        sums = [UInt64](repeating: 0, count: Self.binCount * 3)
    }

    /// The bin of a colour.
    @inlinable
    public static func bin(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        Int(r >> 2) << 12 | Int(g >> 2) << 6 | Int(b >> 2)
    }

    /// Adds every pixel of `image`. This is the CPU histogram kernel.
    public mutating func add(_ image: RGBImage) {
        let n = image.width * image.height
        if n == 0 { return }
        image.pixels.withUnsafeBufferPointer { src in
            counts.withUnsafeMutableBufferPointer { cnt in
                sums.withUnsafeMutableBufferPointer { sum in
                    let s = src.baseAddress!
                    let c = cnt.baseAddress!
                    let t = sum.baseAddress!
                    var i = 0
                    for _ in 0..<n {
                        let r = s[i], g = s[i + 1], b = s[i + 2]
                        let bin = Int(r >> 2) << 12 | Int(g >> 2) << 6 | Int(b >> 2)
                        c[bin] &+= 1
                        let o = bin &* 3
                        // No wrap below 2^56 pixels (see the type's comment).
                        t[o] &+= UInt64(r)
                        t[o + 1] &+= UInt64(g)
                        t[o + 2] &+= UInt64(b)
                        i &+= 3
                    }
                }
            }
        }
    }

    /// Adds the statistics of `other` (the histogram of a disjoint set of pixels).
    public mutating func merge(_ other: ColorHistogram) {
        counts.withUnsafeMutableBufferPointer { dst in
            other.counts.withUnsafeBufferPointer { src in
                for i in 0..<Self.binCount { dst[i] += src[i] }
            }
        }
        sums.withUnsafeMutableBufferPointer { dst in
            other.sums.withUnsafeBufferPointer { src in
                for i in 0..<(Self.binCount * 3) { dst[i] += src[i] }
            }
        }
    }

    /// Resets every bin to zero, keeping the storage.
    public mutating func clear() {
        counts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        sums.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// The number of pixels added so far.
    public var totalPixels: UInt64 {
        counts.withUnsafeBufferPointer { c in
            var total: UInt64 = 0
            for v in c { total += v }
            return total
        }
    }
}
