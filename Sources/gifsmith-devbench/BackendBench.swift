import Foundation
import GifsmithCore

/// One backend's timings: each stage alone, then the three together per frame.
struct BackendReport: Codable {
    var backend: String
    var name: String
    /// The first convert+histogram+map call (pipelines, tables uploaded, caches filled).
    var warmupSeconds: Double
    var convert: StageReport
    var histogram: StageReport
    var map: StageReport
    /// convert → histogram → map per frame, timed together.
    var pipeline: StageReport
    /// 1000 / (sum of the three stages' ms per frame): the pipeline rate the separate stages imply.
    var stageSumFps: Double
    var verification: VerificationReport?
}

/// One thread's histogram (each thread touches only its own box).
final class HistogramBox: @unchecked Sendable {
    var histogram = ColorHistogram()
    static func perThread(_ n: Int) -> [HistogramBox] { (0..<n).map { _ in HistogramBox() } }
}

struct BackendBench {
    var options: BenchOptions
    var sources: [PlanarFrame]
    /// The CPU's convert output of every source frame: the input of the histogram and map stages.
    var images: [RGBImage]
    var plan: ScalePlan
    var mapper: PaletteMapper

    func run(_ backend: PixelBackend, label: String) throws -> BackendReport {
        let n = sources.count
        let frames = options.frames, threads = options.threads, seconds = options.seconds
        let dither = options.dither

        let w0 = StageTimer.now()
        var warm = ColorHistogram()
        let warmImage = try backend.convert(sources[0], plan: plan)
        try backend.accumulateHistogram(warmImage, into: &warm)
        _ = try backend.map(warmImage, mapper: mapper, dither: dither)
        let warmup = Double(StageTimer.now() - w0) / 1e9

        let convert = try StageTimer.run(frames: frames, threads: threads, seconds: seconds) { _, i in
            _ = try backend.convert(sources[i % n], plan: plan)
        }
        let slots = HistogramBox.perThread(threads)
        let histogram = try StageTimer.run(frames: frames, threads: threads, seconds: seconds) { t, i in
            try backend.accumulateHistogram(images[i % n], into: &slots[t].histogram)
        }
        let map = try StageTimer.run(frames: frames, threads: threads, seconds: seconds) { _, i in
            _ = try backend.map(images[i % n], mapper: mapper, dither: dither)
        }
        let pipeSlots = HistogramBox.perThread(threads)
        let pipeline = try StageTimer.run(frames: frames, threads: threads, seconds: seconds) { t, i in
            let image = try backend.convert(sources[i % n], plan: plan)
            try backend.accumulateHistogram(image, into: &pipeSlots[t].histogram)
            _ = try backend.map(image, mapper: mapper, dither: dither)
        }
        let sumMs = convert.msPerFrame + histogram.msPerFrame + map.msPerFrame
        return BackendReport(backend: label, name: backend.name, warmupSeconds: warmup, convert: convert,
                             histogram: histogram, map: map, pipeline: pipeline,
                             stageSumFps: sumMs > 0 ? 1000 / sumMs : 0, verification: nil)
    }
}
