/// A palette plus its exact nearest-colour search structure.
///
/// Nearest colour means: the palette index with the smallest squared Euclidean RGB distance
/// `dr² + dg² + db²`, the lowest index on ties. That is what `bruteForceNearest` returns,
/// and `nearest` returns the same for every input.
///
/// The structure (the GPU backend uploads `cellTable` and `candidates` as they are):
///
/// - RGB space is cut into 32×32×32 cells of 8×8×8 levels. Cell of a colour:
///   `cell = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)`.
/// - `cellTable[cell] = offset << 9 | count` (count 1...256) names a run of `count` entries
///   of `candidates` starting at `offset`. Several cells may share a run. Each run is
///   followed by copies of its last entry up to a multiple of 4 entries, so a search may
///   scan `(count + 3) & ~3` entries instead (copies cannot change the answer). There is at
///   most one run per cell and a padded run has at most 256 entries, so offsets stay below
///   2^23 and fit their 23 bits.
/// - `candidates[k] = index << 24 | r << 16 | g << 8 | b`: a palette index and its colour.
///   Within a run, indices ascend.
/// - Search: the minimum over the run of `d << 32 | candidate` (64-bit): the smallest
///   distance, then the lowest index, since the index is the candidate's top byte.
///
/// How runs are made: an octree over RGB space (node sides 128, 64, 32, 16, 8). A node's
/// run is its parent's run (the whole palette at the top) minus the entries e that one
/// reference entry f dominates over the node's box: at every point of the box f beats e,
/// that is, f is nearer, or as near with a lower index. f is an entry whose greatest
/// distance to the box is least. The test is exact integer
/// arithmetic: `d(q,e) − d(q,f)` is linear in q, so its minimum over the box is found at a
/// corner chosen per channel (formula in `Builder.node`). A node whose run has at most 4
/// entries, or whose side is 8, becomes a leaf: all its cells get its run.
///
/// Why it is exact: for a colour q the answer p is the entry least in (distance, index).
/// An entry dominated over a box containing q is beaten at q, so it is not p: p survives
/// every filtering on the way down to q's cell, and the search over a run that contains p
/// returns p. (Dropping a dominated entry is safe whatever else is dropped.)
///
/// With `colorSpace` `.oklab`, `nearest` and the map stage measure distance in OkLab instead
/// (`okLab`, see `OkLabSearch`); the RGB structure and `errorLimits` stay as they are (error
/// diffusion and temporal stability work in RGB whatever the colour space).
public final class PaletteMapper: Sendable {
    public let palette: Palette
    /// The space `nearest` measures distance in.
    public let colorSpace: ColorSpace
    /// The OkLab search, for `.oklab` only.
    public let okLab: OkLabSearch?

    /// log2 of a cell's side in levels.
    public static let cellShift = 3
    /// Cells per axis.
    public static let cellsPerAxis = 32
    /// Per cell: `offset << 9 | count` into `candidates` (see the type's comment).
    public let cellTable: [UInt32]
    /// Packed `index << 24 | r << 16 | g << 8 | b`: the runs, each padded to a multiple of 4
    /// (see the type's comment).
    public let candidates: [UInt32]
    /// Per entry: the largest error (per channel, in levels) that error diffusion passes on
    /// after choosing this entry: half the distance to the nearest other entry, at least 1.
    /// See `DitherKernel`.
    public let errorLimits: [Int32]

    /// Builds the search structure for `palette` (about a millisecond for 256 colours of a
    /// video frame; a few for colours that crowd along a line, such as 256 greys).
    public init(palette: Palette, colorSpace: ColorSpace = .rgb) {
        self.palette = palette
        self.colorSpace = colorSpace
        okLab = colorSpace == .oklab ? OkLabSearch(palette: palette) : nil
        let n = palette.count
        var builder = Builder()
        for (i, c) in palette.colors.enumerated() {
            builder.runs[i] = UInt32(i) << 24 | UInt32(c.r) << 16 | UInt32(c.g) << 8 | UInt32(c.b)
        }
        if n <= Builder.leafRun {
            builder.emit(level: 0, 0, 0, 0, count: n)
        } else {
            for c in 0..<8 { builder.node(level: 1, c >> 2, (c >> 1) & 1, c & 1, parentCount: n) }
        }
        cellTable = builder.table
        candidates = Array(builder.out[0..<builder.outCount])
        errorLimits = Self.errorLimits(palette)
    }

    /// Half the Euclidean distance from each entry to its nearest distinct entry, rounded up,
    /// at least 1; 255 for an entry with no distinct neighbour. Integer square root: no floating
    /// point decides a pixel.
    static func errorLimits(_ palette: Palette) -> [Int32] {
        let c = palette.colors
        return c.indices.map { i in
            var best = Int.max
            for j in c.indices where c[j] != c[i] {
                let dr = Int(c[i].r) - Int(c[j].r), dg = Int(c[i].g) - Int(c[j].g), db = Int(c[i].b) - Int(c[j].b)
                best = min(best, dr * dr + dg * dg + db * db)
            }
            if best == Int.max { return 255 }
            return Int32(max(1, (isqrt(best) + 1) / 2))
        }
    }

    /// ⌊√n⌋ by Newton's method on integers.
    static func isqrt(_ n: Int) -> Int {
        if n < 2 { return n }
        var x = n, y = (n + 1) / 2
        while y < x {
            x = y
            y = (x + n / x) / 2
        }
        return x
    }

    /// The palette index nearest to (r, g, b): exactly `bruteForceNearest`'s answer (in RGB), or
    /// `OkLabSearch.bruteForceNearest`'s (in OkLab).
    /// - Precondition: each channel in 0...255.
    public func nearest(_ r: Int32, _ g: Int32, _ b: Int32) -> Int {
        if let okLab { return okLab.nearest(r, g, b) }
        precondition(0...255 ~= r && 0...255 ~= g && 0...255 ~= b, "colour channels must be 0...255")
        return cellTable.withUnsafeBufferPointer { t in
            candidates.withUnsafeBufferPointer { c in
                Int(Self.lookup4(t.baseAddress!, c.baseAddress!, r, g, b) >> 24)
            }
        }
    }

    /// The reference: scans the whole palette, smallest squared distance, lowest index on ties.
    public static func bruteForceNearest(_ palette: Palette, _ r: Int32, _ g: Int32, _ b: Int32) -> Int {
        var best = Int32.max, bestIndex = 0
        for (i, c) in palette.colors.enumerated() {
            let dr = r - Int32(c.r), dg = g - Int32(c.g), db = b - Int32(c.b)
            let d = dr * dr + dg * dg + db * db
            if d < best { best = d; bestIndex = i }
        }
        return bestIndex
    }

    /// The search kernel: returns the candidate word (`index << 24 | r << 16 | g << 8 | b`) of
    /// the nearest colour. Channels must be 0...255 (callers clamp), so the cell index is in
    /// range. The scan takes the minimum of `d << 32 | word` — smallest distance, then lowest
    /// index (the index is the word's top byte) — over the run, four entries at a time (runs are
    /// padded to a multiple of 4), with no data-dependent branch; d ≤ 3·255².
    @inline(__always)
    static func lookup4(_ table: UnsafePointer<UInt32>, _ cand: UnsafePointer<UInt32>,
                        _ r: Int32, _ g: Int32, _ b: Int32) -> UInt32 {
        let t = table[Int((r >> 3) << 10 | (g >> 3) << 5 | (b >> 3))]
        var k = Int(t >> 9)
        let end = k &+ Int(t & 511)
        var best = UInt64.max
        while k < end {
            let k01 = min(key(cand[k], r, g, b), key(cand[k &+ 1], r, g, b))
            let k23 = min(key(cand[k &+ 2], r, g, b), key(cand[k &+ 3], r, g, b))
            best = min(best, min(k01, k23))
            k &+= 4
        }
        return UInt32(truncatingIfNeeded: best)
    }

    /// `d << 32 | word` for a candidate word and a colour; d ≤ 3·255² fits 32 bits.
    @inline(__always)
    static func key(_ c: UInt32, _ r: Int32, _ g: Int32, _ b: Int32) -> UInt64 {
        let dr = r &- Int32((c >> 16) & 255), dg = g &- Int32((c >> 8) & 255), db = b &- Int32(c & 255)
        return UInt64(UInt32(bitPattern: dr &* dr &+ dg &* dg &+ db &* db)) << 32 | UInt64(c)
    }

    private struct Builder {
        /// A node whose run has at most this many entries is not subdivided: the search may
        /// scan four entries at a time, so shorter runs would not be faster.
        static let leafRun = 4

        /// Per octree level 0...5, the current node's run (candidate words), 256 words each;
        /// then 256 words of scratch for the keep flags.
        var runs = [UInt32](repeating: 0, count: 7 * 256)
        var table = [UInt32](repeating: 0, count: 1 << 15)
        var out = [UInt32](repeating: 0, count: 1 << 16)
        var outCount = 0

        /// Filters the parent's run (level − 1) down to the box of node (cr, cg, cb) at `level`.
        mutating func node(level: Int, _ cr: Int, _ cg: Int, _ cb: Int, parentCount: Int) {
            let side = Int32(256 >> level)
            let lr = Int32(cr) &* side, lg = Int32(cg) &* side, lb = Int32(cb) &* side
            let hr = lr &+ side &- 1, hg = lg &+ side &- 1, hb = lb &+ side &- 1
            let count = runs.withUnsafeMutableBufferPointer { runs -> Int in
                let parent = runs.baseAddress! + (level - 1) * 256, child = parent + 256
                // Channels and box bounds are 0...255, so each difference is within ±255 and a
                // squared distance is at most 3·255² < 2^18: `d << 8 | k` (k < 256) fits Int32.
                var best = Int32.max
                for k in 0..<parentCount {
                    let c = parent[k]
                    let r = Int32((c >> 16) & 255), g = Int32((c >> 8) & 255), b = Int32(c & 255)
                    let dr = max(r &- lr, hr &- r), dg = max(g &- lg, hg &- g), db = max(b &- lb, hb &- b)
                    best = min(best, (dr &* dr &+ dg &* dg &+ db &* db) << 8 | Int32(k))
                }
                // f: an entry of least maximum distance to the box.
                let f = Int(best & 255)
                let fc = parent[f]
                let fr = Int32((fc >> 16) & 255), fg = Int32((fc >> 8) & 255), fb = Int32(fc & 255)
                // Entry e is dropped when f beats it at every point of the box (nearer, or as
                // near with a lower index). m = min over the box of
                // d(q,e) − d(q,f) = Σ_c s_c·(2q_c − e_c − f_c) with s_c = f_c − e_c; as 2q_c
                // spans lo_c + hi_c ± w (w = side − 1) that is Σ_c s_c·(lo_c + hi_c − e_c − f_c) − |s_c|·w.
                // Keep e iff m < 0, or m = 0 and e precedes or is f (runs ascend, so by
                // position): iff 2m + [k > f] ≤ 0. |m| < 3·(255·510 + 255·255), so 2m fits Int32.
                let w = side &- 1
                let sumR = lr &+ hr &- fr, sumG = lg &+ hg &- fg, sumB = lb &+ hb &- fb
                // Two loops: the arithmetic one vectorises, the compaction one is short.
                let keep = runs.baseAddress! + 6 * 256
                let f32 = Int32(f)
                for k in 0..<parentCount {
                    let c = parent[k]
                    let r = Int32((c >> 16) & 255), g = Int32((c >> 8) & 255), b = Int32(c & 255)
                    let sr = fr &- r, sg = fg &- g, sb = fb &- b
                    let ar = (sr ^ (sr >> 31)) &- (sr >> 31), ag = (sg ^ (sg >> 31)) &- (sg >> 31), ab = (sb ^ (sb >> 31)) &- (sb >> 31)
                    let m = sr &* (sumR &- r) &+ sg &* (sumG &- g) &+ sb &* (sumB &- b) &- (ar &+ ag &+ ab) &* w
                    let t = m &* 2 &+ ((f32 &- Int32(truncatingIfNeeded: k)) >> 31) & 1
                    // 1 when t ≤ 0.
                    keep[k] = UInt32(bitPattern: (t &- 1) >> 31) & 1
                }
                var count = 0
                for k in 0..<parentCount {
                    child[count] = parent[k]
                    count &+= Int(keep[k])
                }
                return count
            }
            if level == 5 || count <= Builder.leafRun {
                emit(level: level, cr, cg, cb, count: count)
            } else {
                for c in 0..<8 {
                    node(level: level + 1, 2 * cr + (c >> 2), 2 * cg + ((c >> 1) & 1), 2 * cb + (c & 1), parentCount: count)
                }
            }
        }

        /// Stores the node's run (padded to a multiple of 4 with its last entry) and points
        /// every cell of the node at it.
        mutating func emit(level: Int, _ cr: Int, _ cg: Int, _ cb: Int, count: Int) {
            let padded = (count + 3) & ~3
            if outCount + padded > out.count { out += [UInt32](repeating: 0, count: out.count) }
            let entry = UInt32(outCount) << 9 | UInt32(count)
            let o = level * 256
            runs.withUnsafeBufferPointer { runs in
                out.withUnsafeMutableBufferPointer { out in
                    for k in 0..<padded { out[outCount + k] = runs[o + min(k, count - 1)] }
                }
            }
            outCount += padded
            let span = 1 << (5 - level)
            table.withUnsafeMutableBufferPointer { table in
                for r in (cr * span)..<((cr + 1) * span) {
                    for g in (cg * span)..<((cg + 1) * span) {
                        let row = r << 10 | g << 5
                        for b in (cb * span)..<((cb + 1) * span) { table[row | b] = entry }
                    }
                }
            }
        }
    }
}
