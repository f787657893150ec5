import GifsmithCore

extension VulkanBackend {
    /// The changed-pixel mask and its bounding box: FrameDiffKernel.changes on the device
    /// (frameDiff.comp, four pixels an invocation). The bounds come back as four words of
    /// integer maxima (see the shader), so they are the same whatever order the device runs in.
    public func frameChanges(previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32],
                             width: Int, height: Int) throws -> FrameChanges {
        try FrameDiffKernel.validate(previous: previous, previousLUT: previousLUT, current: current, currentLUT: currentLUT,
                                     width: width, height: height)
        let n = width * height
        if n == 0 { return FrameChanges(bounds: nil, mask: []) }
        // The shader counts pixels in 32-bit words (first pixel of an invocation = 4 · word).
        guard n < 1 << 31 else { throw VulkanError.frameTooLarge("\(n) pixels") }
        let lutBytes = 2 * FrameDiffKernel.lutSize * 4
        let indexBytes = divideRoundingUp(n, 4) * 4
        let (mask, words): ([UInt8], [UInt32]) = try withContext { context in
            let previousTensor = try context.tensor("frameDiff.previous", bytes: indexBytes, role: .upload)
            let currentTensor = try context.tensor("frameDiff.current", bytes: indexBytes, role: .upload)
            let luts = try context.tensor("frameDiff.luts", bytes: lutBytes, role: .upload)
            let maskTensor = try context.tensor("frameDiff.mask", bytes: indexBytes, role: .download)
            let bounds = try context.tensor("frameDiff.bounds", bytes: 16, role: .download)
            // The bytes past n in the last word are left as they were: the shader never reads them.
            previous.withUnsafeBytes { previousTensor.bytes.copyMemory(from: $0.baseAddress!, byteCount: n) }
            current.withUnsafeBytes { currentTensor.bytes.copyMemory(from: $0.baseAddress!, byteCount: n) }
            previousLUT.withUnsafeBytes { luts.bytes.copyMemory(from: $0.baseAddress!, byteCount: lutBytes / 2) }
            currentLUT.withUnsafeBytes { (luts.bytes + lutBytes / 2).copyMemory(from: $0.baseAddress!, byteCount: lutBytes / 2) }
            try previousTensor.flushHostWrites()
            try currentTensor.flushHostWrites()
            try luts.flushHostWrites()

            let set = try context.set(frameDiffAlgorithm)
            set.bind([previousTensor, currentTensor, luts, maskTensor, bounds])
            try context.sequence.run { r in
                r.upload(previousTensor, bytes: indexBytes)
                r.upload(currentTensor, bytes: indexBytes)
                r.upload(luts, bytes: lutBytes)
                r.zero(bounds, bytes: 16)
                r.barrier()
                try r.dispatch(set, groups: divideRoundingUp(divideRoundingUp(n, PixelsPerInvocation.frameDiff), pixelGroupSize),
                               push: [UInt32(width), UInt32(height), UInt32(n)])
                r.barrier()
                r.download(maskTensor, bytes: indexBytes)
                r.download(bounds, bytes: 16)
                r.hostBarrier()
            }
            try maskTensor.invalidateForHost()
            try bounds.invalidateForHost()
            let mask = [UInt8](UnsafeBufferPointer(start: maskTensor.bytes.assumingMemoryBound(to: UInt8.self), count: n))
            let words = [UInt32](UnsafeBufferPointer(start: bounds.bytes.assumingMemoryBound(to: UInt32.self), count: 4))
            return (mask, words)
        }
        // Decoded as frameDiff.comp encodes them; word 2 is zero exactly when no pixel changed.
        guard words[2] != 0 else { return FrameChanges(bounds: nil, mask: mask) }
        let minX = width - Int(words[0]), minY = height - Int(words[1])
        let maxX = Int(words[2]) - 1, maxY = Int(words[3]) - 1
        guard minX >= 0, minY >= 0, minX <= maxX, minY <= maxY, maxX < width, maxY < height else {
            throw VulkanError.call("frameDiff (bounds \(words) out of range)", 0)
        }
        return FrameChanges(bounds: PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1), mask: mask)
    }
}
