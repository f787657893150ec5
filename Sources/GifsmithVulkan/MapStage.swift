import GifsmithCore

extension VulkanBackend {
    /// Maps every pixel to a palette index with `dither`: DitherKernel on the device. A batch
    /// of one (see `map(_:mapper:dither:)` for many frames).
    public func map(_ image: RGBImage, mapper: PaletteMapper, dither: Dither) throws -> IndexedImage {
        try map([image], mapper: mapper, dither: dither)[0]
    }

    /// Maps many frames with one mapper and dither, equal frame for frame to the one-frame call.
    /// Consecutive frames of one size go to the device together: one command buffer, one
    /// upload, one dispatch a stage (the frame is the grid's z) and one download for as many
    /// frames as `framesPerSubmission` allows; a run longer than that takes several
    /// submissions, one after another in this thread's context.
    public func map(_ images: [RGBImage], mapper: PaletteMapper, dither: Dither) throws -> [IndexedImage] {
        var results: [IndexedImage] = []
        results.reserveCapacity(images.count)
        var start = 0
        while start < images.count {
            let w = images[start].width, h = images[start].height
            var end = start + 1
            while end < images.count, images[end].width == w, images[end].height == h { end += 1 }
            if w * h == 0 {
                results += Array(repeating: IndexedImage(width: w, height: h, indices: []), count: end - start)
            } else {
                let layout = MapBatchLayout(width: w, height: h, dither: dither, groupSize: diffusionGroupSize(width: w, height: h))
                let step = framesPerSubmission(bytesPerFrame: layout.bufferBytesPerFrame)
                for first in stride(from: start, to: end, by: step) {
                    results += try mapSameSize(images[first..<min(first + step, end)], layout: layout, mapper: mapper, dither: dither)
                }
            }
            start = end
        }
        return results
    }

    /// One submission: `images` (all of `layout`'s size, at least one pixel) mapped together.
    /// `none`, `bayer` and `blue-noise` run map.comp (four pixels an invocation); error
    /// diffusion runs diffuse.comp, one workgroup a frame.
    private func mapSameSize(_ images: ArraySlice<RGBImage>, layout: MapBatchLayout, mapper: PaletteMapper,
                             dither: Dither) throws -> [IndexedImage] {
        let w = layout.width, h = layout.height, n = w * h
        let count = images.count
        let sourceBytes = count * layout.sourceStride, outputBytes = count * layout.outputStride
        let indices: [[UInt8]] = try withContext { context in
            let tables = try mapperTables(mapper, context: context)
            let source = try context.tensor("map.source", bytes: sourceBytes, role: .upload)
            let output = try context.tensor("map.output", bytes: outputBytes, role: .download)
            for (f, image) in images.enumerated() {
                image.pixels.withUnsafeBytes { (source.bytes + f * layout.sourceStride).copyMemory(from: $0.baseAddress!, byteCount: 3 * n) }
            }
            try source.flushHostWrites()

            switch dither.method {
            case .none, .bayer, .blueNoise:
                let set = try context.set(mapAlgorithm)
                // Binding 3 is read for blue noise only; the others bind any buffer there.
                let pattern = dither.method == .blueNoise ? try blueNoiseTensor(context: context) : tables.tensor
                set.bind([source, tables.tensor, output, pattern])
                let kind: UInt32 = dither.method == .none ? 0 : dither.method == .bayer ? 1 : 2
                let scale = UInt32(min(max(dither.bayerScale, 0), 5))
                let push = [UInt32(w), UInt32(n), tables.candidateBase, kind, scale, tables.labBase]
                try context.sequence.run { r in
                    r.upload(source, bytes: sourceBytes)
                    r.barrier()
                    try r.dispatch(set, groups: divideRoundingUp(divideRoundingUp(n, PixelsPerInvocation.map), pixelGroupSize),
                                   frames: count, push: push)
                    r.barrier()
                    r.download(output, bytes: outputBytes)
                    r.hostBarrier()
                }
            case .floydSteinberg, .sierra24a, .atkinson:
                let method = dither.method == .floydSteinberg ? 0 : dither.method == .sierra24a ? 1 : 2
                let group = layout.groupSize
                let algorithm = try diffusionAlgorithm(method: method, groupSize: group)
                let accumulatorBytes = count * layout.accumulatorStride
                let accumulators = try context.tensor("map.accumulators", bytes: accumulatorBytes, role: .device)
                let set = try context.set(algorithm)
                set.bind([source, tables.tensor, output, accumulators])
                let push = [UInt32(w), UInt32(h), tables.candidateBase, tables.paletteBase, tables.limitBase]
                // diffuse.comp's step count, and chunks that keep every invocation within 65535
                // loop iterations a dispatch: a step costs one iteration of the step loop and, for
                // its lookup, one per candidate plus the failing test (llvmpipe counts that too),
                // with one more to spare. Every frame of the batch takes the same steps.
                let last = h - 1
                let steps = (last / group) * max(w, 2 * group) + 2 * (last % group) + w
                let chunk = max(1, 60_000 / (tables.longestRun + 3))
                try context.sequence.run { r in
                    r.upload(source, bytes: sourceBytes)
                    r.zero(output, bytes: outputBytes)
                    r.zero(accumulators, bytes: accumulatorBytes)
                    r.barrier()
                    for first in stride(from: 0, to: steps, by: chunk) {
                        try r.dispatch(set, groups: 1, frames: count,
                                       push: push + [UInt32(first), UInt32(min(first + chunk, steps)), tables.labBase])
                        r.barrier()
                    }
                    r.download(output, bytes: outputBytes)
                    r.hostBarrier()
                }
            }
            try output.invalidateForHost()
            return (0..<count).map { f in
                [UInt8](UnsafeBufferPointer(start: (output.bytes + f * layout.outputStride).assumingMemoryBound(to: UInt8.self), count: n))
            }
        }
        return indices.map { IndexedImage(width: w, height: h, indices: $0) }
    }

    /// Rows the diffusion workgroup runs at once. On a GPU, enough for the whole frame where the
    /// device allows (then it is the plain skewed wavefront, the fewest steps): a power of two
    /// from 32 to 1024. On a CPU-type device (llvmpipe) 16: its cost is lanes × steps whatever
    /// the size, and few rows keep the accumulators in cache (measured: 8–64 alike, 256 30 %
    /// slower at 480 wide).
    /// Smaller where the accumulator rows (min(size + 2, height) · width · 12 bytes) would not
    /// fit a storage buffer.
    func diffusionGroupSize(width: Int, height: Int) -> Int {
        if let forced = options.diffusionGroupSize { return forced }
        var size: Int
        if device.type == "cpu" {
            size = 16
        } else {
            size = 32
            while size < height && size < 1024 { size *= 2 }
        }
        size = min(size, Int(manager.limits.maxComputeWorkGroupSize.0), Int(manager.limits.maxComputeWorkGroupInvocations))
        let limit = Int(manager.limits.maxStorageBufferRange)
        while size > 1 && MapBatchLayout.accumulatorBytes(width: width, height: height, groupSize: size) > limit { size /= 2 }
        return max(1, size)
    }

    /// How many frames one submission takes, given the bytes each frame needs in each of the
    /// stage's buffers: every buffer within the device's storage-buffer range, all of them
    /// together within `Options.batchBytes`, and no more frames than a dispatch's z may count.
    /// At least one (a frame too large for the device fails when its buffer is made).
    func framesPerSubmission(bytesPerFrame: [Int]) -> Int {
        let range = Int(manager.limits.maxStorageBufferRange)
        var frames = Int(manager.limits.maxComputeWorkGroupCount.2)
        for b in bytesPerFrame where b > 0 { frames = min(frames, range / b) }
        let total = bytesPerFrame.reduce(0, +)
        if total > 0 { frames = min(frames, options.batchBytes / total) }
        return max(1, frames)
    }
}

/// Where each frame of a map batch lies in the stage's buffers (map.comp and diffuse.comp
/// compute the same offsets from the frame size): frame f's RGB bytes at f · sourceStride, its
/// indices at f · outputStride, its accumulators at f · accumulatorStride.
struct MapBatchLayout {
    let width: Int
    let height: Int
    /// 3 · pixels, rounded up to a word, so no two frames share a word.
    let sourceStride: Int
    /// pixels, rounded up to a word.
    let outputStride: Int
    /// The diffusion workgroup size and the bytes of a frame's accumulators (0 without diffusion).
    let groupSize: Int
    let accumulatorStride: Int

    init(width: Int, height: Int, dither: Dither, groupSize: Int) {
        self.width = width
        self.height = height
        let n = width * height
        sourceStride = divideRoundingUp(3 * n, 4) * 4
        outputStride = divideRoundingUp(n, 4) * 4
        self.groupSize = groupSize
        switch dither.method {
        case .floydSteinberg, .sierra24a, .atkinson:
            accumulatorStride = MapBatchLayout.accumulatorBytes(width: width, height: height, groupSize: groupSize)
        case .none, .bayer, .blueNoise:
            accumulatorStride = 0
        }
    }

    var bufferBytesPerFrame: [Int] { [sourceStride, outputStride, accumulatorStride] }

    /// diffuse.comp's accumulators for one frame: a ring of min(N + 2, height) rows of width · 3
    /// ints (a frame no taller than the ring never wraps), then 6 ints of carries per invocation.
    static func accumulatorBytes(width: Int, height: Int, groupSize: Int) -> Int {
        (min(groupSize + 2, height) * width * 3 + groupSize * 6) * 4
    }
}
