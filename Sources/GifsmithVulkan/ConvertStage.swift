import GifsmithCore

extension VulkanBackend {
    /// YUV/RGB planes → packed RGB, cropped and scaled: ConvertKernel on the device.
    ///
    /// The host copies the source rows the plan reads (of each plane, from its first to its
    /// last needed row, whole strides) into one buffer; convertRows.comp filters them
    /// horizontally into a row buffer, convertPixels.comp filters vertically and applies the
    /// matrix.
    public func convert(_ frame: PlanarFrame, plan: ScalePlan) throws -> RGBImage {
        guard frame.width == plan.sourceWidth, frame.height == plan.sourceHeight, frame.layout == plan.layout else {
            throw CoreError.invalidGeometry("a \(frame.width)x\(frame.height) frame does not fit a plan made for \(plan.sourceWidth)x\(plan.sourceHeight)")
        }
        for p in 0..<3 {
            guard frame.strides[p] >= frame.planeWidth(p),
                  frame.planes[p].count >= frame.strides[p] * (frame.planeHeight(p) - 1) + frame.planeWidth(p) else {
                throw CoreError.invalidGeometry("plane \(p) of a \(frame.width)x\(frame.height) frame is smaller than its stride and height say")
            }
        }
        let width = plan.outputSize.width, height = plan.outputSize.height
        let pixelCount = width * height
        return try withContext { context in
            let device = try convertPlan(plan, context: context)

            // Upload layout: plane p's needed rows at a word-aligned offset.
            var rowsAt = [Int](repeating: 0, count: 3)
            var ranges: [Range<Int>] = []
            var total = 0
            for p in 0..<3 {
                let stride = frame.strides[p]
                let start = device.rowFirst[p] * stride
                let end = min(frame.planes[p].count, (device.rowFirst[p] + device.rowCount[p]) * stride)
                rowsAt[p] = total
                ranges.append(start..<end)
                total = (total + (end - start) + 3) & ~3
            }
            guard total < 1 << 31 else { throw VulkanError.frameTooLarge("the source planes take \(total >> 20) MiB") }

            let source = try context.tensor("convert.source", bytes: total, role: .upload)
            let rows = try context.tensor("convert.rows", bytes: device.rowItems * 4, role: .device)
            let outputWords = divideRoundingUp(pixelCount, 4) * 3
            let output = try context.tensor("convert.output", bytes: outputWords * 4, role: .download)

            let bytes = source.bytes
            for p in 0..<3 {
                frame.planes[p].withUnsafeBytes { plane in
                    let r = ranges[p]
                    (bytes + rowsAt[p]).copyMemory(from: plane.baseAddress! + r.lowerBound, byteCount: r.count)
                }
            }
            try source.flushHostWrites()

            let rowsSet = try context.set(rowsAlgorithm)
            rowsSet.bind([source, device.tensor, rows])
            let pixelsSet = try context.set(pixelsAlgorithm)
            // Binding 0 is unused by convertPixels.comp; bind the plan there too.
            pixelsSet.bind([device.tensor, device.tensor, rows, output])
            let push = rowsAt.map { UInt32($0) } + frame.strides.map { UInt32($0) }
            try context.sequence.run { r in
                r.upload(source, bytes: total)
                r.barrier()
                try r.dispatch(rowsSet, groups: divideRoundingUp(device.rowItems, pixelGroupSize), push: push)
                r.barrier()
                try r.dispatch(pixelsSet, groups: divideRoundingUp(divideRoundingUp(pixelCount, PixelsPerInvocation.convert), pixelGroupSize))
                r.barrier()
                r.download(output, bytes: outputWords * 4)
                r.hostBarrier()
            }
            try output.invalidateForHost()
            let pixels = [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { buffer, initialized in
                buffer.baseAddress!.initialize(from: output.bytes.assumingMemoryBound(to: UInt8.self), count: pixelCount * 3)
                initialized = pixelCount * 3
            }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
    }
}
