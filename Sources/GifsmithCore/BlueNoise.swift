/// The 64×64 blue-noise threshold matrix of the `blue-noise` dither: a permutation of 0..<4096,
/// indexed `y << 6 | x`, made by Ulichney's void-and-cluster method ("The void-and-cluster
/// method for dither array generation", 1993) in integer arithmetic only, so every platform
/// computes the same matrix. Computed once, at first use (about 15 ms in a release build).
///
/// The method ranks the cells of a binary pattern on a torus. A cell's energy is the sum, over
/// the pattern's ones, of a kernel of their (wrapped) distance; the "tightest cluster" is the
/// one of highest energy, the "largest void" the zero of lowest energy.
///
/// 1. Initial pattern: 410 ones (10 %) at positions drawn from SplitMix64 (seed 1). Then
///    repeatedly move the tightest cluster to the largest void, until the void found is the
///    cluster just removed: the ones are then evenly spread.
/// 2. Ranks 409 down to 0: from the initial pattern, remove the tightest cluster, one at a time;
///    each removed cell gets the rank it was removed at.
/// 3. Ranks 410 up to 4095: from the initial pattern, fill the largest void, one at a time.
///    (Ulichney's third phase, for the second half, inverts the pattern and removes the
///    tightest cluster of zeros. The zeros' energy at a zero is the kernel's total minus the
///    ones' energy, so their tightest cluster is the ones' largest void: the same cell,
///    ties included.)
///
/// The kernel is a Gaussian of σ = 1.5 (Ulichney's choice) scaled to 2^34 at distance 0 and
/// floored to an integer, so it reaches about ten cells. Where it is zero (the first few dozen
/// ranks, when ones lie farther apart than that) many cells tie; a second Gaussian of σ = 6,
/// scaled to 2^16, breaks those ties: the kernel is `narrow << 24 + wide`, and the wide part
/// sums to less than 2^24 over the whole torus, so energies compare as (narrow, wide) pairs.
/// Remaining ties go to the lowest index. Both Gaussians are made by repeated fixed-point
/// multiplication by exp(−1/2σ²), written as a 32-bit constant.
public enum BlueNoise {
    /// log2 of the matrix side.
    public static let sizeShift = 6
    /// The matrix side, 64.
    public static let size = 1 << sizeShift
    /// The ranks, indexed `y << 6 | x`: each of 0..<4096 once.
    public static let matrix: [Int32] = generate()

    /// The per-cell offsets for a scale s (clamped to 0...5), indexed like `matrix`: with
    /// amplitude A = 32 >> s, `offset = ((2·rank − 4095) · A) >> 12`, floor: −A ... A − 1, each
    /// value on 4096 / 2A cells. The same formula as `DitherKernel.bayerOffsets`, with 4096
    /// levels instead of 64, so a scale means the same amplitude for both patterns.
    public static func offsets(scale: Int) -> [Int32] {
        let s = Int32(min(max(scale, 0), 5))
        // |2·rank − 4095| · 32 ≤ 131 040: no overflow.
        return matrix.map { r in ((2 * r - 4095) * (32 >> s)) >> 12 }
    }

    /// exp(−1/(2σ²)) · 2^32, rounded, for σ = 1.5 and σ = 6.
    static let narrowFactor: UInt64 = 3_439_140_958
    static let wideFactor: UInt64 = 4_235_727_313

    /// The kernel for every wrapped offset (dx, dy), indexed `dy << 6 | dx` (see the type's comment).
    static func kernel() -> [Int64] {
        let n = size
        // dx, dy wrap to at most 32 each: squared distances up to 2048.
        let maxD2 = 2 * (n / 2) * (n / 2)
        // Gaussian values with 16 extra fractional bits, so flooring at each step loses nothing
        // visible. v < 2^51 and the factor < 2^32: the full-width product's bits 32...95 fit.
        func gaussian(_ peak: Int, _ factor: UInt64) -> [Int64] {
            var v = UInt64(1) << (peak + 16)
            var out = [Int64]()
            out.reserveCapacity(maxD2 + 1)
            for _ in 0...maxD2 {
                out.append(Int64(v >> 16))
                let (high, low) = v.multipliedFullWidth(by: factor)
                v = high << 32 | low >> 32
            }
            return out
        }
        let narrow = gaussian(34, narrowFactor), wide = gaussian(16, wideFactor)
        var k = [Int64](repeating: 0, count: n * n)
        var narrowSum: Int64 = 0, wideSum: Int64 = 0
        for dy in 0..<n {
            for dx in 0..<n {
                let ex = min(dx, n - dx), ey = min(dy, n - dy)
                let d2 = ex * ex + ey * ey
                narrowSum += narrow[d2]
                wideSum += wide[d2]
                k[dy << sizeShift | dx] = narrow[d2] << 24 + wide[d2]
            }
        }
        // What makes the comparison lexicographic, and the energies fit an Int64.
        precondition(wideSum < 1 << 24 && narrowSum < 1 << 38, "blue-noise kernel out of range")
        return k
    }

    static func generate() -> [Int32] {
        var field = Field(kernel: kernel())
        let n = size * size
        let initialOnes = n / 10

        // 1. The initial pattern, spread out.
        var rng: UInt64 = 1
        func next() -> UInt64 {
            // SplitMix64.
            rng &+= 0x9E37_79B9_7F4A_7C15
            var z = rng
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var placed = 0
        while placed < initialOnes {
            let p = Int(next() % UInt64(n))
            if !field.isOne[p] {
                field.add(p)
                placed += 1
            }
        }
        // A move never raises the pattern's total energy; the cap guards against a cycle among
        // equal energies (none happens with this seed).
        for _ in 0..<(n * 4) {
            let c = field.tightestCluster()
            field.remove(c)
            let v = field.largestVoid()
            field.add(v)
            if v == c { break }
        }
        let initial = field

        var ranks = [Int32](repeating: -1, count: n)
        // 2. Ranks below the initial count: take the tightest clusters away.
        for rank in stride(from: initialOnes - 1, through: 0, by: -1) {
            let c = field.tightestCluster()
            field.remove(c)
            ranks[c] = Int32(rank)
        }
        // 3. The rest: fill the largest voids.
        field = initial
        for rank in initialOnes..<n {
            let v = field.largestVoid()
            field.add(v)
            ranks[v] = Int32(rank)
        }
        return ranks
    }

    /// A binary pattern on the 64×64 torus and every cell's energy.
    struct Field {
        /// Each kernel row twice over (128 entries a row), so adding the kernel centred at
        /// column px to a matrix row reads one contiguous run.
        let kernelRows: [Int64]
        var energy: [Int64]
        var isOne: [Bool]

        init(kernel: [Int64]) {
            let n = BlueNoise.size
            var rows = [Int64]()
            rows.reserveCapacity(2 * n * n)
            for dy in 0..<n {
                let row = kernel[(dy * n)..<(dy * n + n)]
                rows += row
                rows += row
            }
            kernelRows = rows
            energy = [Int64](repeating: 0, count: n * n)
            isOne = [Bool](repeating: false, count: n * n)
        }

        mutating func add(_ p: Int) {
            isOne[p] = true
            spread(p, 1)
        }

        mutating func remove(_ p: Int) {
            isOne[p] = false
            spread(p, -1)
        }

        /// Adds (sign 1) or subtracts (−1) the kernel centred at cell p to every cell's energy.
        private mutating func spread(_ p: Int, _ sign: Int64) {
            let n = BlueNoise.size, shift = BlueNoise.sizeShift
            let px = p & (n - 1), py = p >> shift
            kernelRows.withUnsafeBufferPointer { k in
                energy.withUnsafeMutableBufferPointer { e in
                    for y in 0..<n {
                        // Row of offset dy = y − py (wrapped); entry n − px of the doubled row
                        // is offset dx = −px, the one for x = 0.
                        let row = k.baseAddress! + ((((y - py) & (n - 1)) * 2 * n) + n - px)
                        let out = e.baseAddress! + y * n
                        for x in 0..<n { out[x] &+= sign &* row[x] }
                    }
                }
            }
        }

        /// The one of highest energy, the lowest index on ties.
        func tightestCluster() -> Int {
            energy.withUnsafeBufferPointer { e in
                isOne.withUnsafeBufferPointer { one in
                    var best = -1, bestEnergy = Int64.min
                    for p in 0..<e.count where one[p] && e[p] > bestEnergy {
                        best = p
                        bestEnergy = e[p]
                    }
                    return best
                }
            }
        }

        /// The zero of lowest energy, the lowest index on ties.
        func largestVoid() -> Int {
            energy.withUnsafeBufferPointer { e in
                isOne.withUnsafeBufferPointer { one in
                    var best = -1, bestEnergy = Int64.max
                    for p in 0..<e.count where !one[p] && e[p] < bestEnergy {
                        best = p
                        bestEnergy = e[p]
                    }
                    return best
                }
            }
        }
    }
}
