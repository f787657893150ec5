import Foundation
import GifsmithCore
import GifsmithGIF

/// One transcode's pixel work and GIF writing, for each palette mode.
///
/// Work moves in batches of frames: within a batch the pixel stages run in parallel, one frame per
/// worker, then LZW runs in parallel, then the frames are written in order. In the two-pass modes'
/// second pass a batch's LZW shares one pool of tasks with the next batch's pixel stages.
struct Job {
    struct Stats {
        var frames = 0
        var centiseconds = 0
        var paletteColors = 0
    }

    let options: ConvertOptions
    let backend: any PixelBackend
    let sink: OutputSink
    let outputSize: PixelSize
    let plans: PlanCache
    let cancellation: CancellationFlag
    let progress: (TranscodeEvent) -> Void
    let total: Int?

    private var workers: Int { options.workers }
    private var batchSize: Int { options.batchSize }
    /// Pass 2's batches: each batch's pixel work shares the workers with the previous batch's LZW,
    /// so one frame per worker already gives every worker two tasks (at full 1080p a batch is
    /// about 12 MB a frame). Small frames come in larger batches, up to `pipelinedBatchBytes`:
    /// every batch ends in a wait for its slowest task and the stabilizer's per-frame passes,
    /// which at 480x270 cost a fifth of pass 2 in batches of two (sky1080 and pan1080 at width
    /// 480, median of eight runs: 0.647 → 0.603 s and 1.348 → 1.208 s in batches of 32). Pass 1's
    /// decoder and histograms are gone by then, so the frames reuse their memory.
    private var pipelinedBatchSize: Int {
        // Per frame in flight: its RGB image twice (converted, kept for the stabilizer), its
        // indices and its LZW output, about 8 bytes a pixel. When pass 2 decodes again, each
        // frame also holds its decoded picture, but `Transcoder` decodes again only for outputs
        // of at least half the source's pixels: at most 3 bytes more per output pixel (4:2:0),
        // and such frames are large enough that batches stay at a few frames.
        let frameBytes = max(1, outputSize.width * outputSize.height * 8)
        return max(1, workers, min(32, Self.pipelinedBatchBytes / frameBytes))
    }
    static let pipelinedBatchBytes = 32 << 20

    /// Colours the quantizer may use: with frame optimisation one table entry stays free for the
    /// transparent index, as FFmpeg's palettegen does (reserve_transparent).
    private var visibleColors: Int { options.optimize && options.colors == 256 ? 255 : options.colors }

    private func checkCancelled() throws {
        if cancellation.isCancelled { throw GifsmithError.cancelled }
    }

    // MARK: Global and scene palettes: two passes.

    /// Pass 1 gathers every frame's colours, per scene when `detectCuts` (else the whole clip is one
    /// scene), from the output frames or, near full size, from a quarter of each frame's pixels
    /// (`PlanCache.statisticsPlan`); pass 2 maps and writes. Between them the converted frames wait
    /// in `SpillFile`, or, when `reopen` is given, pass 2 decodes and converts the input again (same
    /// decoder, same sampler: the same frames). The first scene's palette is the GIF's global table;
    /// later scenes' frames carry it as a local table. With `options.stability`, pass 2 holds the
    /// indices of pixels that did not change (`TemporalStabilizer`) before the frames are encoded.
    func runScenes(_ source: FrameSource, reopen: (() throws -> FrameSource)?, detectCuts: Bool) throws -> Stats {
        let spill: SpillFile? = reopen == nil ? try SpillFile(size: outputSize) : nil
        var spans: [(Int64, Int64)] = []
        // (first frame, palette) of each scene, in order.
        var scenes: [(start: Int, palette: Palette)] = []
        do {
            // Scoped so that the histograms (8 MB each) are freed before the second pass.
            let histograms = WorkerLocal(count: workers) { ColorHistogram() }
            var sceneStart = 0
            var lastSignature: ColorSignature?
            func closeScene() throws {
                // Merged into worker 0's histogram rather than a fresh one: 8 MB less to touch.
                for w in 1..<max(1, workers) {
                    histograms.with(w) { other in histograms.with(0) { $0.merge(other) } }
                }
                let palette = try histograms.with(0) {
                    try Quantizer.palette(from: $0, maxColors: visibleColors, kind: options.quantizer, colorSpace: options.colorspace)
                }
                for w in 0..<workers { histograms.with(w) { $0.clear() } }
                scenes.append((sceneStart, palette))
            }
            while true {
                try checkCancelled()
                let batch = try source.next(batchSize)
                if batch.isEmpty { break }
                // What is counted (see `PlanCache.statisticsPlan`), and what waits for pass 2.
                let counts = Slots<RGBImage>(count: batch.count)
                let converted = Slots<RGBImage>(count: batch.count)
                let signatures = Slots<ColorSignature>(count: batch.count)
                try parallelFor(batch.count, workers: workers) { i, _ in
                    let frame = batch[i].frame
                    // Frames kept for pass 2 are converted whole; the others only as far as counting needs.
                    let counted: RGBImage
                    if spill != nil {
                        let image = try backend.convert(frame, plan: plans.plan(for: frame))
                        converted[i] = image
                        counted = plans.samplesStatistics ? image.decimated(phase: spans.count + i) : image
                    } else {
                        counted = try backend.convert(frame, plan: plans.statisticsPlan(for: frame, index: spans.count + i))
                    }
                    if detectCuts { signatures[i] = ColorSignature(counted) }
                    counts[i] = counted
                }
                // Cuts split the batch into runs of one scene; each run's colours go to its scene.
                var runStart = 0
                for i in 0...batch.count {
                    let cut = i < batch.count && detectCuts && lastSignature.map { signatures[i]!.isCut(from: $0) } == true
                    if i < batch.count, detectCuts { lastSignature = signatures[i] }
                    guard i == batch.count || cut else { continue }
                    let run = runStart..<i
                    try parallelFor(run.count, workers: workers) { k, w in
                        try histograms.with(w) { try backend.accumulateHistogram(counts[run.lowerBound + k]!, into: &$0) }
                    }
                    if cut {
                        try closeScene()
                        sceneStart = spans.count + i
                    }
                    runStart = i
                }
                for (i, t) in batch.enumerated() {
                    try spill?.append(converted[i]!)
                    spans.append((t.start, t.end))
                }
                progress(.progress(phase: .analyse, done: spans.count, total: total))
            }
            guard !spans.isEmpty else { return Stats() }
            source.stop()
            try closeScene()
        }

        let again = try reopen?()
        defer { again?.stop() }
        let writer = try makeWriter(globalPalette: scenes[0].palette)
        let encoders = WorkerLocal(count: workers) { LZWEncoder() }
        var delays = DelayScheduler()
        var previous: GIFFrameInput?
        var stats = Stats(paletteColors: scenes.map(\.palette.count).max() ?? 0)
        var scene = 0
        var mapper = PaletteMapper(palette: scenes[0].palette, colorSpace: options.colorspace)
        let stabilizer = options.stability.map(TemporalStabilizer.init)
        // The previous batch, mapped and stabilized: its LZW runs alongside this batch's pixel work.
        var pending: [GIFFrameInput] = []
        while true {
            try checkCancelled()
            // Either converted frames from the temporary file, or decoded frames to convert now.
            var images: [RGBImage] = []
            var frames: [TimedFrame] = []
            if let again {
                frames = try again.next(pipelinedBatchSize)
            } else if let spill {
                while images.count < pipelinedBatchSize, let image = try spill.next() { images.append(image) }
            }
            let count = max(images.count, frames.count)
            if count == 0 {
                try encodeAndWrite(pending, previous: &previous, writer: writer, encoders: encoders, stats: &stats)
                break
            }
            guard stats.frames + pending.count + count <= spans.count else {
                throw GifsmithError.internal("the second decoding pass produced more frames than the first")
            }
            // Each frame's scene and mapper (a batch may straddle a cut).
            var mappers: [PaletteMapper] = []
            var sceneOf: [Int] = []
            let first = stats.frames + pending.count
            for i in 0..<count {
                if scene + 1 < scenes.count, first + i >= scenes[scene + 1].start {
                    scene += 1
                    mapper = PaletteMapper(palette: scenes[scene].palette, colorSpace: options.colorspace)
                }
                mappers.append(mapper)
                sceneOf.append(scene)
            }
            // Each frame's inputs are released as soon as they are used: at full size a batch of
            // decoded, converted and mapped frames is tens of megabytes.
            let decoded = Slots<PlanarFrame>(count: frames.count), stored = Slots<RGBImage>(count: images.count)
            for (i, t) in frames.enumerated() { decoded[i] = t.frame }
            for (i, image) in images.enumerated() { stored[i] = image }
            frames = []
            images = []
            let mapped = Slots<IndexedImage>(count: count)
            let converted = Slots<RGBImage>(count: stabilizer == nil ? 0 : count)
            let groups = frameGroups(count: count, frames: decoded, mappers: mappers)
            try encodeAndWrite(pending, previous: &previous, writer: writer, encoders: encoders, stats: &stats,
                               alongside: groups.count) { g in
                let group = groups[g]
                let images: [RGBImage]
                if decoded.count > 0 {
                    let frames = group.map { decoded[$0]! }
                    for i in group { decoded[i] = nil }
                    images = try backend.convert(frames, plan: plans.plan(for: frames[0]))
                } else {
                    images = group.map { stored[$0]! }
                    for i in group { stored[i] = nil }
                }
                let indexed = try backend.map(images, mapper: mappers[group.lowerBound], dither: options.dither)
                for (k, i) in group.enumerated() {
                    mapped[i] = indexed[k]
                    if stabilizer != nil { converted[i] = images[k] }
                }
            }
            pending = []
            for i in 0..<count {
                if let stabilizer {
                    mapped[i] = try stabilize(stabilizer, converted[i]!, mapped[i]!, mappers[i].palette)
                    converted[i] = nil
                }
                let (start, end) = spans[first + i]
                let delay = delays.delay(fromMicroseconds: start, toMicroseconds: end)
                pending.append(GIFFrameInput(image: mapped[i]!, palette: mappers[i].palette, usesGlobalPalette: sceneOf[i] == 0,
                                             delayCentiseconds: delay))
            }
        }
        guard stats.frames == spans.count else {
            throw GifsmithError.internal("the second decoding pass produced \(stats.frames) frames, the first \(spans.count)")
        }
        try writer.finish()
        return stats
    }

    /// Pass 2's pixel tasks: runs of consecutive frames that share a mapper and a frame geometry
    /// (so one plan), at most `backend.preferredBatchSize` long, each one array call of the
    /// backend. On the CPU (batch size 1) every frame is a task of its own.
    private func frameGroups(count: Int, frames: Slots<PlanarFrame>, mappers: [PaletteMapper]) -> [Range<Int>] {
        let limit = max(1, backend.preferredBatchSize)
        func geometry(_ i: Int) -> String? {
            guard i < frames.count, let f = frames[i] else { return nil }
            return PlanCache.key(for: f)
        }
        var groups: [Range<Int>] = []
        var start = 0
        for i in 1...count {
            if i == count || i - start == limit || mappers[i] !== mappers[start] || geometry(i) != geometry(start) {
                groups.append(start..<i)
                start = i
            }
        }
        return groups
    }

    // MARK: Per-frame palettes: one pass, every frame self-contained.

    func runPerFrame(_ source: FrameSource) throws -> Stats {
        let histograms = WorkerLocal(count: workers) { ColorHistogram() }
        let writer = try makeWriter(globalPalette: nil)
        let encoders = WorkerLocal(count: workers) { LZWEncoder() }
        var delays = DelayScheduler()
        var previous: GIFFrameInput?
        var stats = Stats()
        let stabilizer = options.stability.map(TemporalStabilizer.init)

        while true {
            try checkCancelled()
            let batch = try source.next(batchSize)
            if batch.isEmpty { break }
            let results = Slots<(IndexedImage, Palette)>(count: batch.count)
            let converted = Slots<RGBImage>(count: stabilizer == nil ? 0 : batch.count)
            try parallelFor(batch.count, workers: workers) { i, w in
                let image = try backend.convert(batch[i].frame, plan: plans.plan(for: batch[i].frame))
                let palette = try histograms.with(w) { h -> Palette in
                    h.clear()
                    try backend.accumulateHistogram(image, into: &h)
                    return try Quantizer.palette(from: h, maxColors: visibleColors, kind: options.quantizer, colorSpace: options.colorspace)
                }
                let indexed = try backend.map(image, mapper: PaletteMapper(palette: palette, colorSpace: options.colorspace), dither: options.dither)
                results[i] = (indexed, palette)
                if stabilizer != nil { converted[i] = image }
            }
            var inputs: [GIFFrameInput] = []
            for (i, t) in batch.enumerated() {
                let (mappedIndices, palette) = results[i]!
                var indexed = mappedIndices
                // Palettes differ from frame to frame unless the picture does not change; then it holds.
                if let stabilizer { indexed = try stabilize(stabilizer, converted[i]!, indexed, palette) }
                let delay = delays.delay(fromMicroseconds: t.start, toMicroseconds: t.end)
                inputs.append(GIFFrameInput(image: indexed, palette: palette, usesGlobalPalette: false, delayCentiseconds: delay))
                stats.paletteColors = max(stats.paletteColors, palette.count)
            }
            try encodeAndWrite(inputs, previous: &previous, writer: writer, encoders: encoders, stats: &stats)
        }
        try writer.finish()
        return stats
    }

    // MARK: Shared tail

    /// Holds the indices of pixels that did not change (frames in order), in row bands on the workers.
    private func stabilize(_ stabilizer: TemporalStabilizer, _ image: RGBImage, _ mapped: IndexedImage,
                           _ palette: Palette) throws -> IndexedImage {
        try stabilizer.stabilize(image, mapped: mapped, palette: palette) { count, body in
            try parallelFor(count, workers: workers) { band, _ in body(band) }
        }
    }

    private func makeWriter(globalPalette: Palette?) throws -> GIFStreamWriter {
        let sink = self.sink
        return try GIFStreamWriter(width: outputSize.width, height: outputSize.height, globalPalette: globalPalette,
                                   loop: options.loop, sink: { try sink.write($0) })
    }

    /// LZW for a batch in parallel (each frame needs only its predecessor's pixels), then in-order writes.
    /// `work(0..<alongside)` (the next batch's pixel stages) shares the same workers: one pool of
    /// tasks instead of two phases, so no worker waits at a phase boundary for the slowest frame.
    /// `encoders`: one per worker, so that no frame allocates and zeroes a string table of its own.
    private func encodeAndWrite(_ inputs: [GIFFrameInput], previous: inout GIFFrameInput?, writer: GIFStreamWriter,
                                encoders: WorkerLocal<LZWEncoder>, stats: inout Stats,
                                alongside: Int = 0, work: (Int) throws -> Void = { _ in }) throws {
        let encoded = Slots<[UInt8]>(count: inputs.count)
        let before = previous
        let optimize = options.optimize, lossy = options.lossy
        try parallelFor(inputs.count + alongside, workers: workers) { i, w in
            guard i < inputs.count else { return try work(i - inputs.count) }
            encoded[i] = try encoders.with(w) {
                // The changed pixels come from the job's backend (on the device for Vulkan; the same bytes either way).
                try GIFFrameEncoder.encode(inputs[i], previous: i == 0 ? before : inputs[i - 1], optimize: optimize, using: $0, lossy: lossy,
                                           changes: backend.frameChanges)
            }
        }
        for i in 0..<inputs.count {
            try writer.append(frameBytes: encoded[i]!)
            stats.centiseconds += inputs[i].delayCentiseconds
        }
        guard !inputs.isEmpty else { return }
        stats.frames += inputs.count
        previous = inputs.last
        progress(.progress(phase: .encode, done: stats.frames, total: total))
    }
}

/// One mutable value per worker thread (e.g. a histogram), touched only by that worker.
final class WorkerLocal<T>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<T>
    let count: Int

    init(count: Int, make: () -> T) {
        self.count = count
        base = .allocate(capacity: count)
        for i in 0..<count { (base + i).initialize(to: make()) }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    func with<R>(_ worker: Int, _ body: (inout T) throws -> R) rethrows -> R {
        try body(&base[worker])
    }

    func forEach(_ body: (T) -> Void) {
        for i in 0..<count { body(base[i]) }
    }
}
