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
    /// frameChanges of each mapped frame against the one before it (the frame optimiser's
    /// per-pixel part), one frame a call.
    var frameChanges: StageReport
    /// convert → histogram → map per frame, timed together.
    var pipeline: StageReport
    /// 1000 / (sum of the three stages' ms per frame): the pipeline rate the separate stages imply.
    var stageSumFps: Double
    /// Frames a batched call took (nil: batched stages not run).
    var batch: Int?
    /// `convert` and `map` of `batch` frames a call, and convert → histogram → map with both
    /// batched (frames counted, not calls).
    var convertBatched: StageReport?
    var mapBatched: StageReport?
    var pipelineBatched: StageReport?
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
    /// The CPU's map output of every image: the input of the frame-changes stage.
    var indexed: [IndexedImage]
    var plan: ScalePlan
    var mapper: PaletteMapper

    /// Batch `b` of `size` frames: the clip's frames b·size, b·size + 1, …, looped.
    static func batch<T>(_ all: [T], _ b: Int, size: Int) -> [T] {
        (0..<size).map { all[(b * size + $0) % all.count] }
    }

    func run(_ backend: PixelBackend, label: String) throws -> BackendReport {
        let n = sources.count
        let frames = options.frames, threads = options.threads, seconds = options.seconds
        let dither = options.dither
        let lut = FrameDiffKernel.colorLUT(mapper.palette)

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
        // Frame i against frame i − 1 (the clip's last before its first), one palette.
        let frameChanges = try StageTimer.run(frames: frames, threads: threads, seconds: seconds) { _, i in
            let current = indexed[i % n], previous = indexed[(i + n - 1) % n]
            _ = try backend.frameChanges(previous: previous.indices, previousLUT: lut, current: current.indices, currentLUT: lut,
                                         width: current.width, height: current.height)
        }
        let pipeSlots = HistogramBox.perThread(threads)
        let pipeline = try StageTimer.run(frames: frames, threads: threads, seconds: seconds) { t, i in
            let image = try backend.convert(sources[i % n], plan: plan)
            try backend.accumulateHistogram(image, into: &pipeSlots[t].histogram)
            _ = try backend.map(image, mapper: mapper, dither: dither)
        }
        let sumMs = convert.msPerFrame + histogram.msPerFrame + map.msPerFrame
        var report = BackendReport(backend: label, name: backend.name, warmupSeconds: warmup, convert: convert,
                                   histogram: histogram, map: map, frameChanges: frameChanges, pipeline: pipeline,
                                   stageSumFps: sumMs > 0 ? 1000 / sumMs : 0, verification: nil)

        let size = options.batch
        if size > 0 {
            // As many whole batches as make at least `frames` frames; threads take batches.
            let calls = (frames + size - 1) / size
            let sourceBatches = (0..<calls).map { Self.batch(sources, $0, size: size) }
            let imageBatches = (0..<calls).map { Self.batch(images, $0, size: size) }
            report.batch = size
            report.convertBatched = try StageTimer.run(frames: calls, threads: threads, seconds: seconds) { _, b in
                _ = try backend.convert(sourceBatches[b], plan: plan)
            }.scaled(by: size)
            report.mapBatched = try StageTimer.run(frames: calls, threads: threads, seconds: seconds) { _, b in
                _ = try backend.map(imageBatches[b], mapper: mapper, dither: dither)
            }.scaled(by: size)
            let batchSlots = HistogramBox.perThread(threads)
            report.pipelineBatched = try StageTimer.run(frames: calls, threads: threads, seconds: seconds) { t, b in
                let converted = try backend.convert(sourceBatches[b], plan: plan)
                for image in converted { try backend.accumulateHistogram(image, into: &batchSlots[t].histogram) }
                _ = try backend.map(converted, mapper: mapper, dither: dither)
            }.scaled(by: size)
        }
        return report
    }
}
