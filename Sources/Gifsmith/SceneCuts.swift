import GifsmithCore

/// A frame's coarse colour distribution (4 bits a channel), for telling cuts from motion.
///
/// Computed on the CPU from the converted frame, which every backend produces byte for byte, so the
/// cut decisions (and with them the palettes) do not depend on the backend.
struct ColorSignature: Sendable {
    var counts: [UInt32]
    var total: UInt64

    init(_ image: RGBImage) {
        var counts = [UInt32](repeating: 0, count: 4096)
        image.pixels.withUnsafeBufferPointer { p in
            counts.withUnsafeMutableBufferPointer { c in
                var i = 0
                while i < p.count {
                    c[Int(p[i] >> 4) << 8 | Int(p[i + 1] >> 4) << 4 | Int(p[i + 2] >> 4)] &+= 1
                    i += 3
                }
            }
        }
        self.counts = counts
        total = UInt64(image.width * image.height)
    }

    /// True when more than half of the colour mass moved between the two frames: the L1 distance of
    /// the normalised distributions (0...2) exceeds 1. Consecutive frames of a pan, zoom or cross-fade
    /// stay far below (the sample's cross-fade peaks at about 0.1 a frame); a cut between different
    /// shots lands well above. Integer: Σ|a·nb − b·na| > na·nb, every term below 2^57.
    func isCut(from previous: ColorSignature) -> Bool {
        guard total > 0, previous.total > 0 else { return false }
        var sum: UInt64 = 0
        for i in 0..<4096 {
            let a = UInt64(counts[i]) * previous.total, b = UInt64(previous.counts[i]) * total
            sum += a > b ? a - b : b - a
        }
        return sum > total * previous.total
    }
}
