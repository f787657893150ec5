import Foundation
import GifsmithCore
import GifsmithGIF
import GifsmithMedia
import GifsmithVulkan

/// Converts one video (or still image) into an animated GIF.
///
/// ```swift
/// let transcoder = Transcoder(options: ConvertOptions(width: 480, fps: FrameRate(15)))
/// let result = try transcoder.convert(input: "clip.mp4", output: "clip.gif")
/// ```
///
/// Frames stream through: decoding runs on its own thread a few frames ahead, the pixel stages and
/// LZW run on `options.threads` workers, and frames are written in order. A global palette needs two
/// passes: the second decodes the file again, or (for pipes, and when the output is much smaller than
/// the source) reads the first pass's converted frames back from an unlinked temporary file; either way
/// memory stays bounded by a few frames whatever the clip's length. The output appears under its name
/// only when complete.
public final class Transcoder: Sendable {
    public let options: ConvertOptions
    /// A backend given by the caller; nil chooses one per `options.backend` at each run.
    public let backend: (any PixelBackend)?
    /// Where `options.backend` is resolved when no `backend` is given: shared with other
    /// transcoders, or (nil) afresh for each run.
    public let shared: SharedBackends?

    public init(options: ConvertOptions = ConvertOptions(), backend: (any PixelBackend)? = nil) {
        self.options = options
        self.backend = backend
        shared = nil
    }

    /// A transcoder that takes its backend from `shared`, as every other transcoder given it does.
    public init(options: ConvertOptions = ConvertOptions(), shared: SharedBackends) {
        self.options = options
        backend = nil
        self.shared = shared
    }

    /// Runs the whole job. `output` is a path, or "-" for standard output. Throws `GifsmithError`.
    @discardableResult
    public func convert(
        input: String,
        output: String,
        cancellation: CancellationFlag? = nil,
        progress: ((TranscodeEvent) -> Void)? = nil
    ) throws -> TranscodeResult {
        let cancellation = cancellation ?? CancellationFlag()
        let progress = progress ?? { _ in }
        do {
            try options.validate()
            let resolved = try backend.map { ResolvedBackend(backend: $0, warning: nil, mayFallBack: false) }
                ?? shared?.resolve(options.backend) ?? ResolvedBackend.resolve(options.backend)
            if let warning = resolved.warning { progress(.warning(warning)) }
            do {
                return try run(input: input, output: output, backend: resolved.backend, cancellation: cancellation, progress: progress)
            } catch let error as VulkanError where resolved.mayFallBack && Self.isRegularFile(input) {
                // auto chose a GPU and it failed mid-job (device lost, out of memory): the CPU gives
                // the same bytes, so start again there (a pipe cannot be read twice: that fails instead).
                progress(.warning("the Vulkan device failed (\(error)); starting again on the CPU backend"))
                return try run(input: input, output: output, backend: CPUBackend(), cancellation: cancellation, progress: progress)
            }
        } catch {
            throw GifsmithError.wrap(error)
        }
    }

    /// Unlinks the temporary files of outputs still being written, for a signal handler that must
    /// exit at once (a second Ctrl-C).
    public static func removePendingTemporaryFiles() {
        OutputSink.removePendingTemporaryFiles()
    }

    // MARK: - The job

    private func run(input: String, output: String, backend: any PixelBackend, cancellation: CancellationFlag,
                     progress: @escaping (TranscodeEvent) -> Void) throws -> TranscodeResult {
        let began = Date()
        var decoder: VideoDecoder? = try VideoDecoder(path: input)
        let info = decoder!.info

        // Geometry is checked before any decoding, so an impossible crop fails at once.
        let source = PixelSize(width: info.width, height: info.height)
        let crop = try resolveCrop(source: source)
        let outputSize = try ScalePlan.outputSize(crop: crop.size, width: options.width, height: options.height)

        let sink = try OutputSink(path: output)
        defer { sink.abandon() }
        progress(.started(input: info, output: outputSize, crop: crop))

        let rate = options.fps
        let sampler = FrameSampler(start: options.start, duration: options.duration, rate: rate)
        let frames = try openFrames(decoder!, sampler: sampler, cancellation: cancellation)
        decoder = nil  // the frame source owns it now, and frees it when its thread ends
        defer { frames.stop() }
        // A global palette needs a second pass over the frames. Converted frames wait in a
        // temporary file when they are smaller than what decoding them again costs; at (near) full
        // size, decoding the file a second time is cheaper than writing and reading 6 MB a frame,
        // unless the whole clip fits in the spill's memory (short clips: batches of them).
        let total = Self.estimatedFrames(info: info, options: options, rate: rate)
        let fitsInMemory = total.map { $0 * outputSize.width * outputSize.height * 3 <= SpillFile.memoryBudget } ?? false
        var reopen: (() throws -> FrameSource)?
        if Self.isRegularFile(input), !fitsInMemory, 2 * outputSize.width * outputSize.height >= info.width * info.height {
            reopen = { [self] in try openFrames(VideoDecoder(path: input), sampler: sampler, cancellation: cancellation) }
        }
        let plans = PlanCache(crop: crop, output: outputSize, filter: options.filter)

        let job = Job(options: options, backend: backend, sink: sink, outputSize: outputSize, plans: plans, cancellation: cancellation,
                      progress: progress, total: total)
        let stats: Job.Stats
        switch options.paletteMode {
        case .global: stats = try job.runScenes(frames, reopen: reopen, detectCuts: false)
        case .scene: stats = try job.runScenes(frames, reopen: reopen, detectCuts: true)
        case .perFrame: stats = try job.runPerFrame(frames)
        }
        if stats.frames == 0 {
            throw GifsmithError.noFrames(noFramesMessage(input: input, info: info))
        }
        try sink.commit()

        let warnings = frames.warnings
        for w in warnings { progress(.warning(w)) }
        let result = TranscodeResult(
            output: output, frames: stats.frames, width: outputSize.width, height: outputSize.height,
            durationSeconds: Double(stats.centiseconds) / 100, bytes: sink.bytesWritten, paletteColors: stats.paletteColors,
            warnings: warnings, elapsedSeconds: Date().timeIntervalSince(began), backend: backend.name)
        progress(.finished(result))
        return result
    }

    /// Positions a decoder at the trim start and starts its decoding thread.
    private func openFrames(_ decoder: VideoDecoder, sampler: FrameSampler, cancellation: CancellationFlag) throws -> FrameSource {
        if let start = options.start, start > 0 {
            try decoder.seek(toMicroseconds: Int64((start * 1_000_000).rounded()))
        }
        return FrameSource(decoder: decoder, sampler: sampler, capacity: options.batchSize, cancellation: cancellation)
    }

    static func isRegularFile(_ path: String) -> Bool {
        guard path != "-", path != "pipe:0" else { return false }
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    private func resolveCrop(source: PixelSize) throws -> PixelRect {
        if let crop = options.crop {
            guard crop.x + crop.width <= source.width, crop.y + crop.height <= source.height else {
                throw GifsmithError.invalidGeometry("crop \(crop) lies outside the \(source) frame")
            }
            return crop
        }
        if let aspect = options.cropAspect {
            return ScalePlan.centredCrop(source: source, aspect: (aspect.width, aspect.height))
        }
        return PixelRect(x: 0, y: 0, width: source.width, height: source.height)
    }

    static func estimatedFrames(info: MediaInfo, options: ConvertOptions, rate: FrameRate?) -> Int? {
        guard let full = info.durationSeconds, full > 0 else { return info.estimatedFrameCount }
        let start = options.start ?? 0
        let length = max(0, min(full - start, options.duration ?? .infinity))
        let fps = rate?.value ?? (info.frameRate.den > 0 ? Double(info.frameRate.num) / Double(info.frameRate.den) : 0)
        guard fps > 0 else { return info.estimatedFrameCount }
        return max(1, Int((length * fps).rounded()))
    }

    private func noFramesMessage(input: String, info: MediaInfo) -> String {
        let length = info.durationSeconds.map { String(format: "%.2f s", $0) } ?? "of unknown length"
        if options.start != nil || options.duration != nil {
            let s = options.start ?? 0
            return "\(input): no frames between \(String(format: "%.2f", s)) s and "
                + (options.duration.map { String(format: "%.2f s", s + $0) } ?? "the end")
                + "; the clip is \(length)"
        }
        return "\(input): the stream has no decodable frames"
    }
}

/// Scale plans by source geometry: almost always one, but a stream may change size or format mid-way.
final class PlanCache: @unchecked Sendable {
    private let crop: PixelRect
    private let output: PixelSize
    private let filter: ScaleFilter
    private var plans: [String: ScalePlan] = [:]
    private let lock = NSLock()

    init(crop: PixelRect, output: PixelSize, filter: ScaleFilter) {
        self.crop = crop
        self.output = output
        self.filter = filter
    }

    /// What a plan depends on in a frame: frames with equal keys share one plan.
    static func key(for frame: PlanarFrame) -> String {
        "\(frame.width)x\(frame.height) \(frame.layout)"
    }

    func plan(for frame: PlanarFrame) throws -> ScalePlan {
        let key = Self.key(for: frame)
        return try lock.withLock {
            if let p = plans[key] { return p }
            let p = try ScalePlan(sourceWidth: frame.width, sourceHeight: frame.height, layout: frame.layout,
                                  crop: crop, outputSize: output, filter: filter)
            plans[key] = p
            return p
        }
    }

    /// Whether pass 1 counts colours on a quarter of each frame's output pixels (frame k: quarter k
    /// mod 4, `ScalePlan.sampled(phase:)`): when the output keeps at least half the crop's pixels,
    /// where converting only to count is costly. Smaller outputs are counted whole. Decided by
    /// geometry alone, so a file (decoded twice) and a pipe (frames kept) give the same GIF.
    var samplesStatistics: Bool {
        2 * output.width * output.height >= crop.width * crop.height && output.width >= 2 && output.height >= 2
    }

    /// The plan pass 1 counts frame number `index` with: `plan(for:)`, or the quarter
    /// `index` mod 4 of it when `samplesStatistics`.
    func statisticsPlan(for frame: PlanarFrame, index: Int) throws -> ScalePlan {
        guard samplesStatistics else { return try plan(for: frame) }
        let key = "quarter \(index & 3) \(frame.width)x\(frame.height) \(frame.layout)"
        if let p = lock.withLock({ plans[key] }) { return p }
        let p = try plan(for: frame).sampled(phase: index & 3)
        lock.withLock { plans[key] = p }
        return p
    }
}
