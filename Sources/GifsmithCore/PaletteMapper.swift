/// A palette plus its exact nearest-colour search structure.
///
/// Nearest colour means: the palette index with the smallest squared Euclidean RGB distance
/// `dr² + dg² + db²`, the lowest index on ties. That is what `bruteForceNearest` returns,
/// and `nearest` returns the same for every input.
///
/// The structure (uploaded as is by the GPU backend):
///
/// - RGB space is cut into 32×32×32 cells of 8×8×8 levels. Cell of a colour:
///   `cell = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)`.
/// - `cellTable[cell] = offset << 9 | count` (count 1...256, offset < 2^23) names a run of
///   `count` entries of `candidates` starting at `offset`. Runs may be shared by cells.
///   Each run is followed by copies of its last entry up to a multiple of 4 entries, so a
///   search may also scan `(count + 3) & ~3` entries (copies cannot change the answer).
/// - `candidates[k] = index << 24 | r << 16 | g << 8 | b`: a palette index and its colour.
///   Within a run, indices ascend.
/// - Search: scan the run for the smallest distance, the lowest index among equals.
///
/// Why it is exact: a run holds every palette entry `e` with `minDist(e, box) ≤ bound`,
/// where `box` is a box containing the cell and `bound = min over entries of
/// maxDist(e', box)` (min/max of the squared distance over the integer points of the box).
/// For a colour q in the box and its true nearest p: `d(q,p) ≤ d(q,e*) ≤ bound` for the
/// entry e* attaining the bound, and `minDist(p, box) ≤ d(q,p)`, so p and every entry tied
/// with it are in the run; ascending order plus strict `<` then picks the lowest index.
///
/// The boxes come from an octree over RGB space (sides 128, 64, 32, 16, 8): a child's run is
/// filtered from its parent's run, which is valid because a child box inside its parent has
/// no larger bound and no smaller minDist, so every entry that passes for the child passed
/// for the parent, and the entry attaining the child's bound is among them. A node whose run
/// has one entry is not subdivided: all its cells share that run.
public final class PaletteMapper: Sendable {
    public let palette: Palette

    /// log2 of a cell's side in levels.
    public static let cellShift = 3
    /// Cells per axis.
    public static let cellsPerAxis = 32
    /// Per cell: `offset << 9 | count` into `candidates` (see the type's comment).
    public let cellTable: [UInt32]
    /// Packed `index << 24 | r << 16 | g << 8 | b`, runs in ascending index order.
    public let candidates: [UInt32]

    /// Builds the search structure for `palette` (a few milliseconds for 256 colours).
    public init(palette: Palette) {
        self.palette = palette
        let n = palette.count
        var table = [UInt32](repeating: 0, count: 1 << 15)
        // Per octree level 0...5, the node's run as r, g, b, index columns of 256.
        var scratch = [Int32](repeating: 0, count: 4 * 6 * 256)
        for (i, c) in palette.colors.enumerated() {
            scratch[i] = Int32(c.r)
            scratch[6 * 256 + i] = Int32(c.g)
            scratch[12 * 256 + i] = Int32(c.b)
            scratch[18 * 256 + i] = Int32(i)
        }
        var builder = Builder()
        scratch.withUnsafeMutableBufferPointer { scratch in
            table.withUnsafeMutableBufferPointer { table in
                let s = scratch.baseAddress!
                let lists = Builder.Lists(r: s, g: s + 6 * 256, b: s + 12 * 256, i: s + 18 * 256, table: table.baseAddress!)
                if n <= Builder.leafRun {
                    builder.emit(lists, level: 0, 0, 0, 0, count: n)
                } else {
                    for c in 0..<8 { builder.node(lists, level: 1, c >> 2, (c >> 1) & 1, c & 1, parentCount: n) }
                }
            }
        }
        cellTable = table
        candidates = builder.out
    }

    /// The palette index nearest to (r, g, b): exactly `bruteForceNearest`'s answer.
    /// - Precondition: each channel in 0...255.
    public func nearest(_ r: Int32, _ g: Int32, _ b: Int32) -> Int {
        precondition(0...255 ~= r && 0...255 ~= g && 0...255 ~= b, "colour channels must be 0...255")
        return cellTable.withUnsafeBufferPointer { t in
            candidates.withUnsafeBufferPointer { c in
                Int(Self.lookup(t.baseAddress!, c.baseAddress!, r, g, b) >> 24)
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
    /// range. The scan takes the minimum of `d << 32 | word`: smallest distance, then lowest
    /// index (the index is the word's top byte), with no data-dependent branch; d ≤ 3·255².
    /// This form has the shortest latency for one query (error diffusion).
    @inline(__always)
    static func lookup(_ table: UnsafePointer<UInt32>, _ cand: UnsafePointer<UInt32>,
                       _ r: Int32, _ g: Int32, _ b: Int32) -> UInt32 {
        let t = table[Int((r >> 3) << 10 | (g >> 3) << 5 | (b >> 3))]
        var k = Int(t >> 9)
        let end = k &+ Int(t & 511)
        var best = UInt64.max
        while k < end {
            best = min(best, key(cand[k], r, g, b))
            k &+= 1
        }
        return UInt32(truncatingIfNeeded: best)
    }

    /// The same answer as `lookup`, scanning the padded run four entries at a time: more
    /// work, fewer branches, the better form when queries are independent (none, bayer).
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
        /// A node whose run has at most this many entries is not subdivided: the search scans
        /// four entries at a time, so shorter runs would not be faster.
        static let leafRun = 4

        struct Lists {
            let r: UnsafeMutablePointer<Int32>, g: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Int32>
            let i: UnsafeMutablePointer<Int32>
            let table: UnsafeMutablePointer<UInt32>
        }

        var out: [UInt32] = []

        /// Filters the parent's run (level − 1) down to the box of node (cr, cg, cb) at `level`.
        mutating func node(_ l: Lists, level: Int, _ cr: Int, _ cg: Int, _ cb: Int, parentCount: Int) {
            let po = (level - 1) * 256, co = level * 256
            let pR = l.r + po, pG = l.g + po, pB = l.b + po, pI = l.i + po
            let cR = l.r + co, cG = l.g + co, cB = l.b + co, cI = l.i + co
            let side = Int32(256 >> level)
            let lr = Int32(cr) &* side, lg = Int32(cg) &* side, lb = Int32(cb) &* side
            let hr = lr &+ side &- 1, hg = lg &+ side &- 1, hb = lb &+ side &- 1
            // Channels and box bounds are 0...255, so each difference is within ±255 and a
            // squared distance is at most 3·255² < 2^18: `d << 8 | k` (k < 256) fits Int32.
            var best = Int32.max
            for k in 0..<parentCount {
                let r = pR[k], g = pG[k], b = pB[k]
                let dr = max(r &- lr, hr &- r), dg = max(g &- lg, hg &- g), db = max(b &- lb, hb &- b)
                best = min(best, (dr &* dr &+ dg &* dg &+ db &* db) << 8 | Int32(k))
            }
            // f: an entry of least maximum distance to the box.
            let f = Int(best & 255)
            let fr = pR[f], fg = pG[f], fb = pB[f], fi = pI[f]
            var count = 0
            for k in 0..<parentCount {
                let r = pR[k], g = pG[k], b = pB[k], i = pI[k]
                // min over the box of d(q,e) − d(q,f) = Σ_c (f_c − e_c)(2q_c − e_c − f_c): linear
                // in each q_c, so it is least at q_c = lo_c where f_c > e_c, else at hi_c.
                // Each term is within ±255·510.
                let sr = fr &- r, sg = fg &- g, sb = fb &- b
                let m = sr &* ((sr > 0 ? lr : hr) &* 2 &- r &- fr)
                    &+ sg &* ((sg > 0 ? lg : hg) &* 2 &- g &- fg)
                    &+ sb &* ((sb > 0 ? lb : hb) &* 2 &- b &- fb)
                cR[count] = r; cG[count] = g; cB[count] = b; cI[count] = i
                count &+= (m < 0 || (m == 0 && i <= fi)) ? 1 : 0
            }
            if level == 5 || count <= Builder.leafRun {
                emit(l, level: level, cr, cg, cb, count: count)
            } else {
                for c in 0..<8 {
                    node(l, level: level + 1, 2 * cr + (c >> 2), 2 * cg + ((c >> 1) & 1), 2 * cb + (c & 1), parentCount: count)
                }
            }
        }

        /// Stores the node's run (padded to a multiple of 4 with its last entry) and points
        /// every cell of the node at it.
        mutating func emit(_ l: Lists, level: Int, _ cr: Int, _ cg: Int, _ cb: Int, count: Int) {
            let o = level * 256
            let entry = UInt32(out.count) << 9 | UInt32(count)
            for k in 0..<((count + 3) & ~3) {
                let j = o + min(k, count - 1)
                out.append(UInt32(l.i[j]) << 24 | UInt32(l.r[j]) << 16 | UInt32(l.g[j]) << 8 | UInt32(l.b[j]))
            }
            let span = 1 << (5 - level)
            for r in (cr * span)..<((cr + 1) * span) {
                for g in (cg * span)..<((cg + 1) * span) {
                    let row = r << 10 | g << 5
                    for b in (cb * span)..<((cb + 1) * span) { l.table[row | b] = entry }
                }
            }
        }
    }
}
