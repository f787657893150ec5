import GifsmithCore

extension VulkanBackend {
    /// YUV/RGB planes → packed RGB, cropped and scaled: ConvertKernel on the device. A batch of
    /// one (see `convert(_:plan:)` for many frames).
    public func convert(_ frame: PlanarFrame, plan: ScalePlan) throws -> RGBImage {
        try convert([frame], plan: plan)[0]
    }

    /// Converts many frames with one plan, equal frame for frame to the one-frame call.
    ///
    /// The host copies the source rows the plan reads (of each plane, from its first to its
    /// last needed row, whole strides) into one buffer, frame after frame; convertRows.comp
    /// filters them horizontally into a row buffer, convertPixels.comp filters vertically and
    /// applies the matrix. Consecutive frames with the same strides share a submission and one
    /// dispatch a pass (the frame is the grid's z), as many as `framesPerSubmission` allows.
    public func convert(_ frames: [PlanarFrame], plan: ScalePlan) throws -> [RGBImage] {
        for frame in frames { try Self.validate(frame, plan: plan) }
        var results: [RGBImage] = []
        results.reserveCapacity(frames.count)
        var start = 0
        while start < frames.count {
            let strides = frames[start].strides
            var end = start + 1
            while end < frames.count, frames[end].strides == strides { end += 1 }
            // The plan's row ranges are needed for the per-frame sizes; the cache makes them once.
            let device = try withContext { try convertPlan(plan, context: $0) }
            let layout = try ConvertBatchLayout(frame: frames[start], plan: plan, device: device)
            let step = framesPerSubmission(bytesPerFrame: layout.bufferBytesPerFrame)
            for first in stride(from: start, to: end, by: step) {
                results += try convertSameStrides(frames[first..<min(first + step, end)], plan: plan, layout: layout)
            }
            start = end
        }
        return results
    }

    private static func validate(_ frame: PlanarFrame, plan: ScalePlan) throws {
        guard frame.width == plan.sourceWidth, frame.height == plan.sourceHeight, frame.layout == plan.layout else {
            throw CoreError.invalidGeometry("a \(frame.width)x\(frame.height) frame does not fit a plan made for \(plan.sourceWidth)x\(plan.sourceHeight)")
        }
        for p in 0..<3 {
            guard frame.strides[p] >= frame.planeWidth(p),
                  frame.planeByteCount(p) >= frame.strides[p] * (frame.planeHeight(p) - 1) + frame.planeWidth(p) else {
                throw CoreError.invalidGeometry("plane \(p) of a \(frame.width)x\(frame.height) frame is smaller than its stride and height say")
            }
        }
    }

    /// One submission: `frames` (all with `layout`'s strides) converted together.
    private func convertSameStrides(_ frames: ArraySlice<PlanarFrame>, plan: ScalePlan, layout: ConvertBatchLayout) throws -> [RGBImage] {
        let width = plan.outputSize.width, height = plan.outputSize.height
        let pixelCount = width * height
        let count = frames.count
        let sourceBytes = count * layout.sourceStride
        let rowBytes = count * layout.rowStride
        let outputBytes = count * layout.outputStride
        return try withContext { context in
            let device = try convertPlan(plan, context: context)
            let source = try context.tensor("convert.source", bytes: sourceBytes, role: .upload)
            let rows = try context.tensor("convert.rows", bytes: rowBytes, role: .device)
            let output = try context.tensor("convert.output", bytes: outputBytes, role: .download)

            for (f, frame) in frames.enumerated() {
                let bytes = source.bytes + f * layout.sourceStride
                frame.withPlanes { planes in
                    for p in 0..<3 {
                        // A plane may end before its last row's full stride: copy what there is.
                        let r = layout.ranges[p].clamped(to: 0..<planes[p].count)
                        (bytes + layout.rowsAt[p]).copyMemory(from: planes[p].baseAddress! + r.lowerBound, byteCount: r.count)
                    }
                }
            }
            try source.flushHostWrites()

            let rowsSet = try context.set(rowsAlgorithm)
            rowsSet.bind([source, device.tensor, rows])
            let pixelsSet = try context.set(pixelsAlgorithm)
            // Binding 0 is unused by convertPixels.comp; bind the plan there too.
            pixelsSet.bind([device.tensor, device.tensor, rows, output])
            let push = layout.rowsAt.map { UInt32($0) } + layout.strides.map { UInt32($0) } + [UInt32(layout.sourceStride)]
            try context.sequence.run { r in
                r.upload(source, bytes: sourceBytes)
                r.barrier()
                try r.dispatch(rowsSet, groups: divideRoundingUp(device.rowItems, pixelGroupSize), frames: count, push: push)
                r.barrier()
                try r.dispatch(pixelsSet, groups: divideRoundingUp(divideRoundingUp(pixelCount, PixelsPerInvocation.convert), pixelGroupSize),
                               frames: count)
                r.barrier()
                r.download(output, bytes: outputBytes)
                r.hostBarrier()
            }
            try output.invalidateForHost()
            return (0..<count).map { f in
                let pixels = [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { buffer, initialized in
                    buffer.baseAddress!.initialize(from: (output.bytes + f * layout.outputStride).assumingMemoryBound(to: UInt8.self),
                                                   count: pixelCount * 3)
                    initialized = pixelCount * 3
                }
                return RGBImage(width: width, height: height, pixels: pixels)
            }
        }
    }
}

/// Where each frame of a convert batch lies in the stage's buffers (convertRows.comp and
/// convertPixels.comp compute the same offsets): frame f's source rows at f · sourceStride
/// (plane p's needed rows at rowsAt[p] inside it, word-aligned), its filtered rows at
/// f · rowStride, its RGB pixels at f · outputStride.
struct ConvertBatchLayout {
    let strides: [Int]
    /// Per plane: the bytes of a frame's plane that the plan reads (whole strides) and where
    /// they go inside the frame's part of the source buffer.
    let ranges: [Range<Int>]
    let rowsAt: [Int]
    let sourceStride: Int
    let rowStride: Int
    let outputStride: Int

    /// The layout of frames with `frame`'s strides.
    init(frame: PlanarFrame, plan: ScalePlan, device: ConvertPlan) throws {
        strides = frame.strides
        var rowsAt: [Int] = [], ranges: [Range<Int>] = []
        var total = 0
        for p in 0..<3 {
            let stride = frame.strides[p]
            let start = device.rowFirst[p] * stride
            // Frames of one size and strides may still end their planes at different bytes past
            // the last row's pixels; take the full stride here and clamp per frame when copying.
            let end = (device.rowFirst[p] + device.rowCount[p]) * stride
            rowsAt.append(total)
            ranges.append(start..<end)
            total = (total + (end - start) + 3) & ~3
        }
        guard total < 1 << 31 else { throw VulkanError.frameTooLarge("the source planes take \(total >> 20) MiB") }
        self.rowsAt = rowsAt
        self.ranges = ranges
        sourceStride = total
        rowStride = device.rowItems * 4
        outputStride = divideRoundingUp(plan.outputSize.width * plan.outputSize.height, 4) * 12
    }

    var bufferBytesPerFrame: [Int] { [sourceStride, rowStride, outputStride] }
}
