import GifsmithCore

/// A ScalePlan as the convert shaders read it: one int array, a header (layout in
/// Shaders/include/convert.glsl) followed by the plan's FilterTables, uploaded once per plan
/// and shared by every frame and context.
final class ConvertPlan: @unchecked Sendable {
    static let planes = 16
    static let planeStride = 16

    /// The plan itself: plans with the same geometry may differ in their tables (a first pass's
    /// sampled quarters), and the plan cache hands out the same arrays, so comparing is cheap.
    let key: ScalePlan
    let tensor: Tensor
    /// Per plane: the first source row any output row reads, and how many rows from there.
    let rowFirst: [Int]
    let rowCount: [Int]
    /// Row-pass invocations: rowCount · width summed over the planes (also the number of ints
    /// in the row buffer).
    let rowItems: Int

    /// The ints of the plan buffer and the row ranges, without touching the device.
    static func layout(_ plan: ScalePlan) -> (ints: [Int32], rowFirst: [Int], rowCount: [Int], rowItems: Int) {
        let width = plan.outputSize.width
        var ints = [Int32](repeating: 0, count: planes + 3 * planeStride)
        ints[0] = Int32(width)
        ints[1] = Int32(plan.outputSize.height)
        if let m = plan.coefficients {
            ints[2] = 1
            ints[3] = m.yScale
            ints[4] = m.rv
            ints[5] = m.gu
            ints[6] = m.gv
            ints[7] = m.bu
            ints[8] = m.yOffset
        }
        var rowFirst: [Int] = [], rowCount: [Int] = []
        var items = 0
        for p in 0..<3 {
            let h = plan.horizontal[p], v = plan.vertical[p]
            let first = Int(v.starts.min()!)
            let last = Int(v.starts.max()!) + v.taps - 1
            rowFirst.append(first)
            rowCount.append(last - first + 1)
            let base = planes + planeStride * p
            ints[base + 0] = Int32(h.taps)
            ints[base + 1] = Int32(ints.count)
            ints += h.starts
            // Tap-major (all first taps, then all second taps, …): neighbouring invocations
            // (neighbouring x) read neighbouring words.
            ints[base + 2] = Int32(ints.count)
            for k in 0..<h.taps {
                for x in 0..<h.outputSize { ints.append(Int32(h.coefficients[x * h.taps + k])) }
            }
            ints[base + 3] = Int32(v.taps)
            ints[base + 4] = Int32(ints.count)
            ints += v.starts
            ints[base + 5] = Int32(ints.count)
            ints += v.coefficients.map { Int32($0) }
            ints[base + 6] = Int32(first)
            ints[base + 7] = Int32(last - first + 1)
            ints[base + 8] = Int32(truncatingIfNeeded: items)
            items += (last - first + 1) * width
            ints[base + 9] = Int32(truncatingIfNeeded: items)
        }
        return (ints, rowFirst, rowCount, items)
    }

    /// Uploads the plan's tables; `context` runs the copy where the device needs staging.
    init(_ plan: ScalePlan, context: FrameContext) throws {
        key = plan
        let (ints, rowFirst, rowCount, rowItems) = ConvertPlan.layout(plan)
        // The row buffer and every index into it must stay far inside Int32.
        guard rowItems < 1 << 29 else {
            throw VulkanError.frameTooLarge("scaling \(plan.crop.size) to \(plan.outputSize) needs \(rowItems) filtered samples")
        }
        self.rowFirst = rowFirst
        self.rowCount = rowCount
        self.rowItems = rowItems
        tensor = try sharedTensor(ints, context: context)
    }
}

/// A read-only tensor holding `ints`, uploaded now (through `context` when it is staged).
/// Shared tensors are written once, before any shader reads them.
func sharedTensor(_ ints: [Int32], context: FrameContext) throws -> Tensor {
    let bytes = ints.count * 4
    let limit = Int(context.manager.limits.maxStorageBufferRange)
    guard bytes <= limit else { throw VulkanError.frameTooLarge("a table of \(bytes >> 20) MiB exceeds the storage buffer limit") }
    let tensor = try Tensor.make(manager: context.manager, byteCount: bytes, role: .upload, forceStaging: context.forceStaging)
    ints.withUnsafeBytes { tensor.bytes.copyMemory(from: $0.baseAddress!, byteCount: bytes) }
    try tensor.flushHostWrites()
    if tensor.isStaged {
        try context.sequence.run { r in
            r.upload(tensor, bytes: bytes)
            r.barrier()
        }
    }
    return tensor
}

/// PaletteMapper's arrays in one tensor (layout in Shaders/include/palette.glsl).
final class MapperTables: @unchecked Sendable {
    /// Held so that its ObjectIdentifier stays unique while cached.
    let mapper: PaletteMapper
    let tensor: Tensor
    let candidateBase: UInt32
    let paletteBase: UInt32
    let limitBase: UInt32
    /// Where `OkLabSearch.data` begins for an OkLab mapper; 0 (RGB) otherwise.
    let labBase: UInt32
    /// The most iterations one lookup loops: the longest candidate run of any cell, or the
    /// palette size for OkLab (the shader scans every entry).
    let longestRun: Int

    init(_ mapper: PaletteMapper, context: FrameContext) throws {
        self.mapper = mapper
        precondition(mapper.cellTable.count == 1 << 15, "PaletteMapper's cell table has 32768 cells")
        let longestCell = Int(mapper.cellTable.lazy.map { $0 & 511 }.max() ?? 0)
        longestRun = mapper.okLab == nil ? longestCell : mapper.palette.count
        var ints = mapper.cellTable.map { Int32(bitPattern: $0) }
        candidateBase = UInt32(ints.count)
        ints += mapper.candidates.map { Int32(bitPattern: $0) }
        paletteBase = UInt32(ints.count)
        var colors = [Int32](repeating: 0, count: 256)
        for (i, c) in mapper.palette.colors.enumerated() { colors[i] = Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b) }
        ints += colors
        limitBase = UInt32(ints.count)
        var limits = [Int32](repeating: 0, count: 256)
        for (i, l) in mapper.errorLimits.enumerated() { limits[i] = l }
        ints += limits
        if let lab = mapper.okLab {
            labBase = UInt32(ints.count)
            ints += lab.data
        } else {
            labBase = 0
        }
        tensor = try sharedTensor(ints, context: context)
    }
}
