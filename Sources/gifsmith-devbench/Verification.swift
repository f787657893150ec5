import GifsmithCore

/// CPU against Vulkan, byte for byte, on the first frames: convert, histogram, map.
struct VerificationReport: Codable {
    var frames: Int
    var convert: Bool
    var histogram: Bool
    var map: Bool
    var passed: Bool
    var details: [String]
}

enum Verification {
    /// Compares `other` with `reference` on `frames` (already distinct source frames).
    static func compare(reference: PixelBackend, other: PixelBackend, frames: [PlanarFrame], plan: ScalePlan,
                        mapper: PaletteMapper, dither: Dither) throws -> VerificationReport {
        var convertOK = true, histogramOK = true, mapOK = true
        var details: [String] = []
        var refHist = ColorHistogram(), otherHist = ColorHistogram()
        for (k, frame) in frames.enumerated() {
            let a = try reference.convert(frame, plan: plan)
            let b = try other.convert(frame, plan: plan)
            if a != b {
                convertOK = false
                details.append("frame \(k): convert differs" + firstDifference(a.pixels, b.pixels))
            }
            try reference.accumulateHistogram(a, into: &refHist)
            try other.accumulateHistogram(a, into: &otherHist)
            if refHist != otherHist {
                histogramOK = false
                details.append("frame \(k): histogram differs after accumulating it")
            }
            let ia = try reference.map(a, mapper: mapper, dither: dither)
            let ib = try other.map(a, mapper: mapper, dither: dither)
            if ia != ib {
                mapOK = false
                details.append("frame \(k): map differs" + firstDifference(ia.indices, ib.indices))
            }
        }
        return VerificationReport(frames: frames.count, convert: convertOK, histogram: histogramOK, map: mapOK,
                                  passed: convertOK && histogramOK && mapOK, details: details)
    }

    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        guard a.count == b.count else { return " (sizes \(a.count) and \(b.count))" }
        let n = zip(a, b).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) }
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
        return " (\(n) of \(a.count) bytes, first at byte \(first))"
    }
}
