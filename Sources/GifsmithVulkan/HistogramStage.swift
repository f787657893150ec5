import GifsmithCore

extension VulkanBackend {
    /// Adds the colours of `image` to `histogram`: histogram.comp counts and sums on the device
    /// (exact 64-bit sums from two 32-bit words), histogramCompact.comp lists the bins the
    /// frame touched, and the host adds those into `histogram`. Integer sums: the result equals
    /// `ColorHistogram.add` whatever order the device adds in.
    public func accumulateHistogram(_ image: RGBImage, into histogram: inout ColorHistogram) throws {
        let n = image.width * image.height
        if n == 0 { return }
        // The two-word sums are exact for any count; the count word needs n < 2^32, and the
        // plan limits keep frames far below (16384² = 2^28).
        guard n < 1 << 31 else { throw VulkanError.frameTooLarge("\(n) pixels") }
        let maxTouched = min(n, ColorHistogram.binCount)
        let (records, touchedCount): ([UInt32], Int) = try withContext { context in
            var freshBins = false
            let source = try context.tensor("histogram.source", bytes: 3 * n, role: .upload)
            let bins = try context.tensor("histogram.bins", bytes: ColorHistogram.binCount * 7 * 4, role: .device, fresh: &freshBins)
            let touched = try context.tensor("histogram.touched", bytes: (1 + maxTouched) * 4, role: .download)
            let records = try context.tensor("histogram.records", bytes: maxTouched * 8 * 4, role: .download)
            image.pixels.withUnsafeBytes { source.bytes.copyMemory(from: $0.baseAddress!, byteCount: 3 * n) }
            try source.flushHostWrites()

            let countSet = try context.set(histogramAlgorithm)
            countSet.bind([source, bins, touched])
            let compactSet = try context.set(compactAlgorithm)
            compactSet.bind([bins, touched, records])
            do {
                try context.sequence.run { r in
                    r.upload(source, bytes: 3 * n)
                    // The compact pass leaves the bins zero; only a new buffer needs clearing.
                    if freshBins { r.zero(bins, bytes: bins.byteCount) }
                    r.zero(touched, bytes: 4)
                    r.barrier()
                    try r.dispatch(countSet, groups: divideRoundingUp(divideRoundingUp(n, PixelsPerInvocation.histogram), pixelGroupSize), push: [UInt32(n)])
                    r.barrier()
                    try r.dispatch(compactSet, groups: divideRoundingUp(maxTouched, pixelGroupSize))
                    r.barrier()
                    r.download(touched, bytes: 4)
                    r.download(records, bytes: maxTouched * 8 * 4)
                    r.hostBarrier()
                }
            } catch {
                // The bins may be left half-counted: make the next call start from a new buffer.
                context.discard("histogram.bins")
                throw error
            }
            try touched.invalidateForHost()
            try records.invalidateForHost()
            let count = Int(touched.bytes.load(as: UInt32.self))
            guard count <= maxTouched else { throw VulkanError.call("histogram (touched list overflow)", 0) }
            let words = [UInt32](UnsafeBufferPointer(start: records.bytes.assumingMemoryBound(to: UInt32.self), count: count * 8))
            return (words, count)
        }
        histogram.counts.withUnsafeMutableBufferPointer { counts in
            histogram.sums.withUnsafeMutableBufferPointer { sums in
                records.withUnsafeBufferPointer { r in
                    for i in 0..<touchedCount {
                        let o = 8 * i
                        let bin = Int(r[o])
                        counts[bin] += UInt64(r[o + 1])
                        sums[3 * bin] += UInt64(r[o + 3]) << 32 | UInt64(r[o + 2])
                        sums[3 * bin + 1] += UInt64(r[o + 5]) << 32 | UInt64(r[o + 4])
                        sums[3 * bin + 2] += UInt64(r[o + 7]) << 32 | UInt64(r[o + 6])
                    }
                }
            }
        }
    }
}
