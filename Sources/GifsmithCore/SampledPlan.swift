extension ScalePlan {
    /// One of the four quarters of the plan's output: the pixels (2i + dx, 2j + dy) with
    /// dx = phase & 1, dy = (phase >> 1) & 1, as an image of ⌈(w − dx)/2⌉ × ⌈(h − dy)/2⌉ whose
    /// pixel (i, j) is exactly this plan's pixel (2i + dx, 2j + dy) (every output pixel depends
    /// only on its own row of each table, so taking every other row of the tables takes every
    /// other pixel). `RGBImage.decimated(phase:)` takes the same pixels from a full conversion.
    ///
    /// Why: a global or scene palette needs the colour statistics of every frame before the first
    /// frame can be mapped. When the output is near the source size, the second pass decodes the
    /// file again anyway, so the first pass converts only to count colours; counting frame k's
    /// quarter k mod 4 costs a quarter of the work, and over any four frames of a still area every
    /// pixel is counted once. (Two cheaper samplings were tried and dropped: the source's own
    /// pixels without the filters invent colour pairs at chroma edges, and one fixed quarter misses
    /// one-pixel lines entirely; each cost a synthetic test pattern 3–6 dB.) It is a plan like any
    /// other, so every backend gives the same bytes.
    /// - Precondition: the output is at least 2×2.
    public func sampled(phase: Int) -> ScalePlan {
        let dx = phase & 1, dy = (phase >> 1) & 1
        func everyOther(_ t: FilterTable, from first: Int) -> FilterTable {
            let n = (t.outputSize - first + 1) / 2
            var coefficients: [Int16] = []
            coefficients.reserveCapacity(n * t.taps)
            for i in 0..<n {
                let row = 2 * i + first
                coefficients += t.coefficients[(row * t.taps)..<((row + 1) * t.taps)]
            }
            return FilterTable(outputSize: n, taps: t.taps, starts: (0..<n).map { t.starts[2 * $0 + first] }, coefficients: coefficients)
        }
        precondition(outputSize.width >= 2 && outputSize.height >= 2, "a sampled plan needs an output of at least 2x2")
        return ScalePlan(sourceWidth: sourceWidth, sourceHeight: sourceHeight, layout: layout, crop: crop,
                         outputSize: PixelSize(width: (outputSize.width - dx + 1) / 2, height: (outputSize.height - dy + 1) / 2),
                         filter: filter, horizontal: horizontal.map { everyOther($0, from: dx) },
                         vertical: vertical.map { everyOther($0, from: dy) }, coefficients: coefficients)
    }
}

extension RGBImage {
    /// The pixels (2i + dx, 2j + dy) → (i, j), with dx = phase & 1, dy = (phase >> 1) & 1: what
    /// `ScalePlan.sampled(phase:)` converts.
    public func decimated(phase: Int) -> RGBImage {
        let dx = phase & 1, dy = (phase >> 1) & 1
        let w = (width - dx + 1) / 2, h = (height - dy + 1) / 2
        var out = [UInt8](repeating: 0, count: w * h * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for j in 0..<h {
                    let s = src.baseAddress! + ((2 * j + dy) * width + dx) * 3, d = dst.baseAddress! + j * w * 3
                    for i in 0..<w {
                        d[3 * i] = s[6 * i]; d[3 * i + 1] = s[6 * i + 1]; d[3 * i + 2] = s[6 * i + 2]
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
