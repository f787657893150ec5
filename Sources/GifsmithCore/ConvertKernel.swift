/// The convert+crop+scale stage on the CPU: the reference the GPU shader mirrors.
///
/// Per plane, separable resampling with the plan's tables, then YUV→RGB per output pixel.
/// Integer arithmetic only; every step below is a plain loop that has a line-by-line GLSL
/// counterpart. Value ranges (v: 8-bit source sample, c: Q14 coefficient, P: sum of a row's
/// positive coefficients ≤ 4·2^14 = 65536, N = P − 2^14 ≤ 49152 the negative part):
///
/// 1. Horizontal, per needed source row: `h = clamp((64 + Σ v·c) >> 7, 0, 255 << 7)`.
///    The sum lies in [−255·N, 255·P] ⊂ [−2^24, 2^24]: no Int32 overflow. `h` is the sample
///    value in Q7; clamping to the 8-bit range here is what bounds the next pass.
/// 2. Vertical, per output row: `y = clamp((4096 + Σ h·c) >> 13, 0, 255 << 8)`.
///    The sum lies in [4096 − 32640·N, 4096 + 32640·P] ⊂ [−1.61e9, 2.1391e9] and
///    2.1391e9 < 2^31 − 1 = 2.1475e9: no overflow. `y` is the sample value in Q8.
/// 3. Matrix (Q12 coefficients, `YUVCoefficients`), with Y, U, V in Q8:
///    `R = (ys·(Y − off·256) + rv·(V − 32768) + 2^19) >> 20`, likewise G and B, clamped to
///    0...255. |ys·(Y − off·256)| ≤ 4769·65280 < 3.2e8 and each chroma term is at most
///    8773·32768 < 2.9e8, so every sum (at most three terms and the bias) stays below 9e8.
///    `.rgb` layout skips the matrix: `(y + 128) >> 8`, already in 0...255.
///
/// Storage: the horizontal results are kept as Int16 (0...32640 fits exactly) to halve the
/// memory traffic; a shader may keep them as int, the values are the same. Sums are
/// order-independent (exact integers, no overflow), so loop order and unrolling are free.
///
/// Rounding: every `>>` is an arithmetic (floor) shift with a bias of half its unit, i.e.
/// round half up. Identity tables (one tap of 2^14) take a copy path that gives the same
/// values: `(v·2^14 + 64) >> 7 = v << 7` and `(h·2^14 + 4096) >> 13 = h << 1`.
public enum ConvertKernel {
    /// Converts, crops and scales one frame as `plan` says.
    /// - Precondition: the frame's size and layout are the plan's, and its planes hold
    ///   `stride * planeHeight` bytes with `stride >= planeWidth`.
    public static func convert(_ frame: PlanarFrame, plan: ScalePlan) -> RGBImage {
        precondition(frame.width == plan.sourceWidth && frame.height == plan.sourceHeight, "frame size differs from the plan's")
        precondition(frame.layout == plan.layout, "frame layout differs from the plan's")
        for p in 0..<3 {
            precondition(frame.strides[p] >= frame.planeWidth(p), "plane stride shorter than its width")
            precondition(frame.planeByteCount(p) >= frame.strides[p] * (frame.planeHeight(p) - 1) + frame.planeWidth(p), "plane too small for its geometry")
        }
        let width = plan.outputSize.width
        let height = plan.outputSize.height

        // Scratch, allocated once per frame: the tables as raw arrays, per plane a ring of
        // horizontally filtered rows (Q7 in 0...32640, so Int16 holds them exactly), one
        // vertical result row per plane (Q8) and an accumulator row.
        var scratch = Scratch(plan: plan)
        defer { scratch.deallocate() }

        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        frame.withPlanes { planes in
        pixels.withUnsafeMutableBufferPointer { outBuffer in
            let sources = planes.map { $0.baseAddress! }
            for y in 0..<height {
                for p in 0..<3 {
                    let plane = scratch.planes[p]
                    // Gather the rows this output row needs, filtering each source row
                    // horizontally the first time it is needed (rows stay in the ring while
                    // later output rows still use them).
                    let first = Int(plane.vStarts[y])
                    for k in 0..<plane.vTaps {
                        let row = first + k
                        let slot = row % plane.slots
                        let dst = plane.ring + slot * width
                        if scratch.slotRow[plane.slotBase + slot] != row {
                            horizontalPass(
                                source: sources[p] + row * frame.strides[p], starts: plane.hStarts, coefficients: plane.hCoefficients,
                                taps: plane.hTaps, contiguous: plane.contiguous, destination: dst, count: width)
                            scratch.slotRow[plane.slotBase + slot] = row
                        }
                        scratch.rowPointers[k] = UnsafePointer(dst)
                    }
                    verticalPass(
                        rows: scratch.rowPointers, taps: plane.vTaps, coefficients: plane.vCoefficients + y * plane.vTaps,
                        accumulator: scratch.accumulator, destination: scratch.rowsOut[p], count: width)
                }
                let out = outBuffer.baseAddress! + y * width * 3
                if let matrix = plan.coefficients {
                    yuvToRGB(scratch.rowsOut[0], scratch.rowsOut[1], scratch.rowsOut[2], out, width, matrix)
                } else {
                    packRGB(scratch.rowsOut[0], scratch.rowsOut[1], scratch.rowsOut[2], out, width)
                }
            }
        }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Raw views of one plane's tables and its ring of filtered rows.
    private struct PlaneState {
        var hStarts: UnsafePointer<Int32>
        var hCoefficients: UnsafePointer<Int16>
        var hTaps: Int
        /// The horizontal table is an identity whose starts run `s, s+1, s+2, …`.
        var contiguous: Bool
        var vStarts: UnsafePointer<Int32>
        var vCoefficients: UnsafePointer<Int16>
        var vTaps: Int
        var ring: UnsafeMutablePointer<Int16>
        var slots: Int
        var slotBase: Int
    }

    /// Per-frame working memory; one allocation for the tables and one for the rows.
    private struct Scratch {
        var planes: [PlaneState] = []
        var slotRow: [Int]
        var rowsOut: [UnsafeMutablePointer<Int32>]
        var accumulator: UnsafeMutablePointer<Int32>
        var rowPointers: UnsafeMutablePointer<UnsafePointer<Int16>>
        private let tables: UnsafeMutableRawPointer
        private let rows: UnsafeMutableRawPointer

        init(plan: ScalePlan) {
            let width = plan.outputSize.width
            // Slots ≥ taps, so the taps of one output row never evict each other.
            let slots = plan.vertical.map { $0.taps + 1 }
            let maxTaps = plan.vertical.map(\.taps).max()!
            // Every array starts on an 8-byte boundary.
            func padded(_ bytes: Int) -> Int { (bytes + 7) & ~7 }
            var tableBytes = 0
            for p in 0..<3 {
                tableBytes += padded(4 * plan.horizontal[p].starts.count) + padded(4 * plan.vertical[p].starts.count)
                tableBytes += padded(2 * plan.horizontal[p].coefficients.count) + padded(2 * plan.vertical[p].coefficients.count)
            }
            tables = UnsafeMutableRawPointer.allocate(byteCount: tableBytes, alignment: 16)
            let ringCount = slots.reduce(0, +) * width
            let pointerOffset = 16 * width + padded(2 * ringCount)
            let rowBytes = pointerOffset + MemoryLayout<UnsafePointer<Int16>>.stride * maxTaps
            rows = UnsafeMutableRawPointer.allocate(byteCount: rowBytes, alignment: 16)
            rows.initializeMemory(as: UInt8.self, repeating: 0, count: rowBytes)

            var cursor = tables
            func copy<T>(_ array: [T]) -> UnsafePointer<T> {
                let p = cursor.bindMemory(to: T.self, capacity: array.count)
                array.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: array.count) }
                cursor += padded(MemoryLayout<T>.stride * array.count)
                return UnsafePointer(p)
            }
            let rowBase = rows.bindMemory(to: Int32.self, capacity: 4 * width)
            rowsOut = [rowBase, rowBase + width, rowBase + 2 * width]
            accumulator = rowBase + 3 * width
            let ringBase = (rows + 16 * width).bindMemory(to: Int16.self, capacity: ringCount)
            rowPointers = (rows + pointerOffset).bindMemory(to: UnsafePointer<Int16>.self, capacity: maxTaps)
            slotRow = [Int](repeating: -1, count: slots.reduce(0, +))

            var slotBase = 0
            for p in 0..<3 {
                let h = plan.horizontal[p]
                let v = plan.vertical[p]
                let contiguous = h.isIdentity && h.starts.indices.allSatisfy { h.starts[$0] == h.starts[0] + Int32($0) }
                planes.append(PlaneState(
                    hStarts: copy(h.starts), hCoefficients: copy(h.coefficients), hTaps: h.taps, contiguous: contiguous,
                    vStarts: copy(v.starts), vCoefficients: copy(v.coefficients), vTaps: v.taps,
                    ring: ringBase + slotBase * width, slots: slots[p], slotBase: slotBase))
                slotBase += slots[p]
            }
        }

        func deallocate() {
            tables.deallocate()
            rows.deallocate()
        }
    }

    /// One source row → `count` Q7 samples, clamped to 0...255<<7.
    /// `contiguous`: the table is an identity whose starts run `starts[0], starts[0]+1, …`.
    private static func horizontalPass(source: UnsafePointer<UInt8>, starts: UnsafePointer<Int32>, coefficients: UnsafePointer<Int16>, taps: Int, contiguous: Bool, destination: UnsafeMutablePointer<Int16>, count: Int) {
        // The same loop, instantiated with constant tap counts so the optimiser can unroll
        // and vectorise it; the arithmetic is identical in every case. `ScalePlan` pads
        // horizontal tables to these lengths (3...7 → 8, above 8 → a multiple of 4) unless
        // the crop is too narrow, which leaves only the wide loop for the odd lengths.
        // Multiples of four from eight up take the blocked loop (eight outputs at a time).
        switch taps {
        case 1: horizontalCopy(source, starts, contiguous, destination, count)
        case 2: horizontalLoop(source, starts, coefficients, 2, destination, count)
        case 8: horizontalBlocked8(source, starts, coefficients, destination, count)
        case 12: horizontalBlocked12(source, starts, coefficients, destination, count)
        case 16: horizontalBlocked16(source, starts, coefficients, destination, count)
        case let t where t > 16 && t & 3 == 0: horizontalBlocked(source, starts, coefficients, taps, destination, count)
        default: horizontalWide(source, starts, coefficients, taps, destination, count)
        }
    }

    /// Identity table: `(v·2^14 + 64) >> 7 == v << 7`, and v << 7 is within the clamp.
    @inline(__always)
    private static func horizontalCopy(_ source: UnsafePointer<UInt8>, _ starts: UnsafePointer<Int32>, _ contiguous: Bool, _ destination: UnsafeMutablePointer<Int16>, _ count: Int) {
        if contiguous {
            let s = source + Int(starts[0])
            for x in 0..<count {
                destination[x] = Int16(s[x]) << 7
            }
            return
        }
        for x in 0..<count {
            destination[x] = Int16(source[Int(starts[x])]) << 7
        }
    }

    @inline(__always)
    private static func horizontalLoop(_ source: UnsafePointer<UInt8>, _ starts: UnsafePointer<Int32>, _ coefficients: UnsafePointer<Int16>, _ taps: Int, _ destination: UnsafeMutablePointer<Int16>, _ count: Int) {
        for x in 0..<count {
            let s = source + Int(starts[x])
            let c = coefficients + x * taps
            // Range: |Σ| ≤ 255 · 65536 (see the type's comment), so &+ and &* never wrap.
            var sum: Int32 = 64
            for k in 0..<taps {
                sum = sum &+ Int32(s[k]) &* Int32(c[k])
            }
            destination[x] = Int16(truncatingIfNeeded: min(max(sum >> 7, 0), 255 << 7))
        }
    }

    // One function per common length, each with the blocked loop inlined for its constant: called
    // with four lengths from one switch, the optimiser kept a single generic copy, whose inner
    // loop over the taps did not unroll (16 taps measured no faster than the plain loop then).
    private static func horizontalBlocked8(_ source: UnsafePointer<UInt8>, _ starts: UnsafePointer<Int32>, _ coefficients: UnsafePointer<Int16>, _ destination: UnsafeMutablePointer<Int16>, _ count: Int) {
        horizontalBlocked(source, starts, coefficients, 8, destination, count)
    }

    private static func horizontalBlocked12(_ source: UnsafePointer<UInt8>, _ starts: UnsafePointer<Int32>, _ coefficients: UnsafePointer<Int16>, _ destination: UnsafeMutablePointer<Int16>, _ count: Int) {
        horizontalBlocked(source, starts, coefficients, 12, destination, count)
    }

    private static func horizontalBlocked16(_ source: UnsafePointer<UInt8>, _ starts: UnsafePointer<Int32>, _ coefficients: UnsafePointer<Int16>, _ destination: UnsafeMutablePointer<Int16>, _ count: Int) {
        horizontalBlocked(source, starts, coefficients, 16, destination, count)
    }

    /// A multiple of four taps, at least eight; eight outputs at a time. The same sums as
    /// `horizontalLoop`, grouped so they vectorise: per output the products are added
    /// into four partial sums (`partialSums`), then the partial sums of eight
    /// outputs are folded together pairwise (`foldPairs`) until one lane per output is left,
    /// and the bias, shift and clamp run on all eight lanes. The sums are exact integers
    /// (every partial sum holds a subset of the terms), so the grouping changes no value.
    @inline(__always)
    private static func horizontalBlocked(_ source: UnsafePointer<UInt8>, _ starts: UnsafePointer<Int32>, _ coefficients: UnsafePointer<Int16>, _ taps: Int, _ destination: UnsafeMutablePointer<Int16>, _ count: Int) {
        var x = 0
        while x + 8 <= count {
            let c = coefficients + taps * x
            let m0 = partialSums(source + Int(starts[x]), c, taps)
            let m1 = partialSums(source + Int(starts[x + 1]), c + taps, taps)
            let m2 = partialSums(source + Int(starts[x + 2]), c + 2 * taps, taps)
            let m3 = partialSums(source + Int(starts[x + 3]), c + 3 * taps, taps)
            let m4 = partialSums(source + Int(starts[x + 4]), c + 4 * taps, taps)
            let m5 = partialSums(source + Int(starts[x + 5]), c + 5 * taps, taps)
            let m6 = partialSums(source + Int(starts[x + 6]), c + 6 * taps, taps)
            let m7 = partialSums(source + Int(starts[x + 7]), c + 7 * taps, taps)
            let sums = SIMD8<Int32>(
                lowHalf: foldPairs(foldPairs(m0, m1), foldPairs(m2, m3)),
                highHalf: foldPairs(foldPairs(m4, m5), foldPairs(m6, m7)))
            var out = SIMD8<Int16>()
            for i in 0..<8 {
                out[i] = Int16(truncatingIfNeeded: min(max((64 &+ sums[i]) >> 7, 0), 255 << 7))
            }
            UnsafeMutableRawPointer(destination + x).storeBytes(of: out, as: SIMD8<Int16>.self)
            x += 8
        }
        if x < count {
            horizontalLoop(source, starts + x, coefficients + taps * x, taps, destination + x, count - x)
        }
    }

    /// One output's `taps` products (a multiple of four, at least eight) summed into four
    /// lanes; the four lanes add up to `Σ v·c`.
    @inline(__always)
    private static func partialSums(_ s: UnsafePointer<UInt8>, _ c: UnsafePointer<Int16>, _ taps: Int) -> SIMD4<Int32> {
        var m = pairProducts8(s, c)
        var k = 8
        while k + 8 <= taps {
            m &+= pairProducts8(s + k, c + k)
            k += 8
        }
        if k < taps {
            m &+= products4(s + k, c + k)
        }
        return m
    }

    /// `v[2j]·c[2j] + v[2j+1]·c[2j+1]` in lane j (j in 0..<4): the optimiser turns it into one
    /// multiply-add of pairs (`vpmaddwd`), half the work of eight 32-bit products. (Written as
    /// element-wise widenings: the generic vector conversions are not specialised, they are
    /// calls.)
    @inline(__always)
    private static func pairProducts8(_ s: UnsafePointer<UInt8>, _ c: UnsafePointer<Int16>) -> SIMD4<Int32> {
        let bytes = UnsafeRawPointer(s).loadUnaligned(as: SIMD8<UInt8>.self)
        let weights = UnsafeRawPointer(c).loadUnaligned(as: SIMD8<Int16>.self)
        var v = SIMD8<Int32>(), w = SIMD8<Int32>()
        for i in 0..<8 {
            v[i] = Int32(bytes[i])
            w[i] = Int32(weights[i])
        }
        let p = v &* w
        return p.evenHalf &+ p.oddHalf
    }

    /// `v[k]·c[k]` for k in 0..<4.
    @inline(__always)
    private static func products4(_ s: UnsafePointer<UInt8>, _ c: UnsafePointer<Int16>) -> SIMD4<Int32> {
        let bytes = UnsafeRawPointer(s).loadUnaligned(as: SIMD4<UInt8>.self)
        let weights = UnsafeRawPointer(c).loadUnaligned(as: SIMD4<Int16>.self)
        var v = SIMD4<Int32>(), w = SIMD4<Int32>()
        for i in 0..<4 {
            v[i] = Int32(bytes[i])
            w[i] = Int32(weights[i])
        }
        return v &* w
    }

    /// `[a0 + a1, a2 + a3, b0 + b1, b2 + b3]`.
    @inline(__always)
    private static func foldPairs(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>) -> SIMD4<Int32> {
        let t = SIMD8<Int32>(lowHalf: a, highHalf: b)
        return t.evenHalf &+ t.oddHalf
    }

    /// Any length: runs of eight taps (a constant-length inner loop), then the rest.
    @inline(__always)
    private static func horizontalWide(_ source: UnsafePointer<UInt8>, _ starts: UnsafePointer<Int32>, _ coefficients: UnsafePointer<Int16>, _ taps: Int, _ destination: UnsafeMutablePointer<Int16>, _ count: Int) {
        let runs = taps >> 3
        for x in 0..<count {
            let s = source + Int(starts[x])
            let c = coefficients + x * taps
            // Range: as in `horizontalLoop`.
            var sum: Int32 = 64
            for run in 0..<runs {
                let s8 = s + 8 * run, c8 = c + 8 * run
                for k in 0..<8 {
                    sum = sum &+ Int32(s8[k]) &* Int32(c8[k])
                }
            }
            for k in (8 * runs)..<taps {
                sum = sum &+ Int32(s[k]) &* Int32(c[k])
            }
            destination[x] = Int16(truncatingIfNeeded: min(max(sum >> 7, 0), 255 << 7))
        }
    }

    /// `taps` Q7 rows → one Q8 row, clamped to 0...255<<8.
    private static func verticalPass(rows: UnsafeMutablePointer<UnsafePointer<Int16>>, taps: Int, coefficients: UnsafePointer<Int16>, accumulator: UnsafeMutablePointer<Int32>, destination: UnsafeMutablePointer<Int32>, count: Int) {
        if taps == 1 {
            // Identity: (h·2^14 + 4096) >> 13 == h << 1, within the clamp.
            let r = rows[0]
            for x in 0..<count {
                destination[x] = Int32(r[x]) << 1
            }
            return
        }
        // Range: every partial sum holds a subset of the terms, so it stays within
        // [4096 − 32640·N, 4096 + 32640·P] ⊂ Int32 (see the type's comment).
        // Taps go up to four at a time, so the accumulator row is read and written once per
        // four taps.
        var k = taps & 3
        switch k {
        case 1:
            let r0 = rows[0]
            let c0 = Int32(coefficients[0])
            for x in 0..<count {
                accumulator[x] = 4096 &+ Int32(r0[x]) &* c0
            }
        case 2:
            let r0 = rows[0], r1 = rows[1]
            let c0 = Int32(coefficients[0]), c1 = Int32(coefficients[1])
            for x in 0..<count {
                accumulator[x] = 4096 &+ Int32(r0[x]) &* c0 &+ Int32(r1[x]) &* c1
            }
        case 3:
            let r0 = rows[0], r1 = rows[1], r2 = rows[2]
            let c0 = Int32(coefficients[0]), c1 = Int32(coefficients[1]), c2 = Int32(coefficients[2])
            for x in 0..<count {
                accumulator[x] = 4096 &+ Int32(r0[x]) &* c0 &+ Int32(r1[x]) &* c1 &+ Int32(r2[x]) &* c2
            }
        default:
            for x in 0..<count {
                accumulator[x] = 4096
            }
        }
        while k < taps {
            let r0 = rows[k], r1 = rows[k + 1], r2 = rows[k + 2], r3 = rows[k + 3]
            let c0 = Int32(coefficients[k]), c1 = Int32(coefficients[k + 1])
            let c2 = Int32(coefficients[k + 2]), c3 = Int32(coefficients[k + 3])
            for x in 0..<count {
                accumulator[x] = accumulator[x] &+ Int32(r0[x]) &* c0 &+ Int32(r1[x]) &* c1 &+ Int32(r2[x]) &* c2 &+ Int32(r3[x]) &* c3
            }
            k += 4
        }
        for x in 0..<count {
            destination[x] = min(max(accumulator[x] >> 13, 0), 255 << 8)
        }
    }

    /// Q8 Y, U, V rows → packed RGB bytes.
    private static func yuvToRGB(_ yRow: UnsafeMutablePointer<Int32>, _ uRow: UnsafeMutablePointer<Int32>, _ vRow: UnsafeMutablePointer<Int32>, _ out: UnsafeMutablePointer<UInt8>, _ count: Int, _ m: YUVCoefficients) {
        let yOff = m.yOffset << 8
        let bias: Int32 = 1 << 19
        for x in 0..<count {
            let yTerm = m.yScale &* (yRow[x] &- yOff)
            let u = uRow[x] &- 32768
            let v = vRow[x] &- 32768
            let r = (yTerm &+ m.rv &* v &+ bias) >> 20
            let g = (yTerm &+ m.gu &* u &+ m.gv &* v &+ bias) >> 20
            let b = (yTerm &+ m.bu &* u &+ bias) >> 20
            out[3 * x] = UInt8(truncatingIfNeeded: min(max(r, 0), 255))
            out[3 * x + 1] = UInt8(truncatingIfNeeded: min(max(g, 0), 255))
            out[3 * x + 2] = UInt8(truncatingIfNeeded: min(max(b, 0), 255))
        }
    }

    /// Q8 R, G, B rows → packed RGB bytes.
    private static func packRGB(_ rRow: UnsafeMutablePointer<Int32>, _ gRow: UnsafeMutablePointer<Int32>, _ bRow: UnsafeMutablePointer<Int32>, _ out: UnsafeMutablePointer<UInt8>, _ count: Int) {
        for x in 0..<count {
            out[3 * x] = UInt8(truncatingIfNeeded: (rRow[x] &+ 128) >> 8)
            out[3 * x + 1] = UInt8(truncatingIfNeeded: (gRow[x] &+ 128) >> 8)
            out[3 * x + 2] = UInt8(truncatingIfNeeded: (bRow[x] &+ 128) >> 8)
        }
    }
}
