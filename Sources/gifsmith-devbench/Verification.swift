import GifsmithCore

/// CPU against Vulkan, byte for byte, on the first frames: convert, histogram, map, frame
/// changes, and the batched convert and map (nil when not run).
struct VerificationReport: Codable {
    var frames: Int
    var convert: Bool
    var histogram: Bool
    var map: Bool
    var frameChanges: Bool
    var convertBatched: Bool?
    var mapBatched: Bool?
    var passed: Bool
    var details: [String]
}

enum Verification {
    /// Compares `other` with `reference` on `frames` (already distinct source frames); with
    /// `batch` > 0 also `other`'s batched calls over them, `batch` frames a call, against the
    /// reference's one-frame results.
    static func compare(reference: PixelBackend, other: PixelBackend, frames: [PlanarFrame], plan: ScalePlan,
                        mapper: PaletteMapper, dither: Dither, batch: Int) throws -> VerificationReport {
        var convertOK = true, histogramOK = true, mapOK = true, changesOK = true
        var details: [String] = []
        var refHist = ColorHistogram(), otherHist = ColorHistogram()
        var converted: [RGBImage] = [], mapped: [IndexedImage] = []
        let lut = FrameDiffKernel.colorLUT(mapper.palette)
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
            // Against the previous frame (the first against itself: nothing changed).
            let previous = mapped.last ?? ia
            let ca = try reference.frameChanges(previous: previous.indices, previousLUT: lut, current: ia.indices, currentLUT: lut,
                                                width: ia.width, height: ia.height)
            let cb = try other.frameChanges(previous: previous.indices, previousLUT: lut, current: ia.indices, currentLUT: lut,
                                            width: ia.width, height: ia.height)
            if ca != cb {
                changesOK = false
                details.append("frame \(k): frame changes differ (bounds \(String(describing: ca.bounds)) vs \(String(describing: cb.bounds)))"
                               + firstDifference(ca.mask, cb.mask))
            }
            converted.append(a)
            mapped.append(ia)
        }
        var convertBatchedOK: Bool?, mapBatchedOK: Bool?
        if batch > 0 {
            convertBatchedOK = true
            mapBatchedOK = true
            for first in stride(from: 0, to: frames.count, by: batch) {
                let range = first..<min(first + batch, frames.count)
                let images = try other.convert(Array(frames[range]), plan: plan)
                for (k, image) in zip(range, images) where image != converted[k] {
                    convertBatchedOK = false
                    details.append("frame \(k): batched convert differs" + firstDifference(converted[k].pixels, image.pixels))
                }
                let indexed = try other.map(Array(converted[range]), mapper: mapper, dither: dither)
                for (k, image) in zip(range, indexed) where image != mapped[k] {
                    mapBatchedOK = false
                    details.append("frame \(k): batched map differs" + firstDifference(mapped[k].indices, image.indices))
                }
            }
        }
        let passed = convertOK && histogramOK && mapOK && changesOK && convertBatchedOK != false && mapBatchedOK != false
        return VerificationReport(frames: frames.count, convert: convertOK, histogram: histogramOK, map: mapOK,
                                  frameChanges: changesOK, convertBatched: convertBatchedOK, mapBatched: mapBatchedOK,
                                  passed: passed, details: details)
    }

    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        guard a.count == b.count else { return " (sizes \(a.count) and \(b.count))" }
        let n = zip(a, b).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) }
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
        return " (\(n) of \(a.count) bytes, first at byte \(first))"
    }
}
