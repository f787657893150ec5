import GifsmithCore

extension VulkanBackend {
    /// Maps every pixel to a palette index with `dither`: DitherKernel on the device. `none`,
    /// `bayer` and `blue-noise` run map.comp (four pixels an invocation); error diffusion runs
    /// diffuse.comp in one workgroup.
    public func map(_ image: RGBImage, mapper: PaletteMapper, dither: Dither) throws -> IndexedImage {
        let w = image.width, h = image.height
        let n = w * h
        if n == 0 { return IndexedImage(width: w, height: h, indices: []) }
        let indices: [UInt8] = try withContext { context in
            let tables = try mapperTables(mapper, context: context)
            let source = try context.tensor("map.source", bytes: 3 * n, role: .upload)
            let outputBytes = divideRoundingUp(n, 4) * 4
            let output = try context.tensor("map.output", bytes: outputBytes, role: .download)
            image.pixels.withUnsafeBytes { source.bytes.copyMemory(from: $0.baseAddress!, byteCount: 3 * n) }
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
                    r.upload(source, bytes: 3 * n)
                    r.barrier()
                    try r.dispatch(set, groups: divideRoundingUp(divideRoundingUp(n, PixelsPerInvocation.map), pixelGroupSize), push: push)
                    r.barrier()
                    r.download(output, bytes: outputBytes)
                    r.hostBarrier()
                }
            case .floydSteinberg, .sierra24a, .atkinson:
                let method = dither.method == .floydSteinberg ? 0 : dither.method == .sierra24a ? 1 : 2
                let group = diffusionGroupSize(width: w, height: h)
                let algorithm = try diffusionAlgorithm(method: method, groupSize: group)
                let accumulatorBytes = ((group + 2) * w * 3 + group * 6) * 4
                let accumulators = try context.tensor("map.accumulators", bytes: accumulatorBytes, role: .device)
                let set = try context.set(algorithm)
                set.bind([source, tables.tensor, output, accumulators])
                let push = [UInt32(w), UInt32(h), tables.candidateBase, tables.paletteBase, tables.limitBase]
                // diffuse.comp's step count, and chunks that keep every invocation within 65535
                // loop iterations a dispatch: a step costs one iteration of the step loop and, for
                // its lookup, one per candidate plus the failing test (llvmpipe counts that too),
                // with one more to spare.
                let last = h - 1
                let steps = (last / group) * max(w, 2 * group) + 2 * (last % group) + w
                let chunk = max(1, 60_000 / (tables.longestRun + 3))
                try context.sequence.run { r in
                    r.upload(source, bytes: 3 * n)
                    r.zero(output, bytes: outputBytes)
                    r.zero(accumulators, bytes: accumulatorBytes)
                    r.barrier()
                    for first in stride(from: 0, to: steps, by: chunk) {
                        try r.dispatch(set, groups: 1, push: push + [UInt32(first), UInt32(min(first + chunk, steps)), tables.labBase])
                        r.barrier()
                    }
                    r.download(output, bytes: outputBytes)
                    r.hostBarrier()
                }
            }
            try output.invalidateForHost()
            return [UInt8](UnsafeBufferPointer(start: output.bytes.assumingMemoryBound(to: UInt8.self), count: n))
        }
        return IndexedImage(width: w, height: h, indices: indices)
    }

    /// Rows the diffusion workgroup runs at once. On a GPU, enough for the whole frame where the
    /// device allows (then it is the plain skewed wavefront, the fewest steps): a power of two
    /// from 32 to 1024. On a CPU-type device (llvmpipe) 16: its cost is lanes × steps whatever
    /// the size, and few rows keep the accumulators in cache (measured: 8–64 alike, 256 30 %
    /// slower at 480 wide).
    /// Smaller where the accumulator rows ((size + 2) · width · 12 bytes) would not fit a
    /// storage buffer.
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
        let bytesPerRow = width * 12
        while size > 1 && (size + 2) * bytesPerRow + size * 24 > Int(manager.limits.maxStorageBufferRange) { size /= 2 }
        return max(1, size)
    }
}
