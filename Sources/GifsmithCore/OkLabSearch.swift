/// Nearest colour in OkLab (`--colorspace oklab`): the palette index whose fixed-point OkLab
/// coordinates (`OkLab`) are nearest to the query's in squared distance
/// `d = dL² + da² + db²`, the lowest index on ties. Equivalently, the least
/// `key = d << 8 | index` (d < 2^23, so keys fit Int32 and each key names one entry).
///
/// `data` is one Int32 array, uploaded to the GPU as it is (Shaders/include/oklab.glsl):
///
///     [countAt]           n, the palette size
///     [tablesAt ...]      OkLab.tables: LINEAR (256) then CUBE (65537)
///     [startAt + v]       for v in 0...2048: the first sorted position whose L is ≥ v
///     [wordsAt + i]       palette entry i as `i << 24 | r << 16 | g << 8 | b` (DitherKernel's word)
///     [entriesAt + 4k]    the k-th entry in (L, index) order: L, a, b, index
///     [byIndexAt + 4i]    entry i again, by index (the CPU's starting guess)
///
/// The CPU search takes a guess's key as the best so far (the caller's hint: the RGB-nearest
/// entry, which is usually OkLab-nearest or close), then starts at `start[L]` of the query and
/// walks outward in L, up then down, each way stopping at the first entry with
/// `dL² << 8 ≥ best key`: that entry, and every one beyond it (|dL| only grows), has a key at
/// least that large, so none can win. So it returns the least key whatever the guess, which is
/// what a scan of every entry returns (the GPU's search): both agree.
public struct OkLabSearch: Sendable {
    public static let countAt = 0
    public static let tablesAt = 1
    public static let startAt = tablesAt + 256 + 65537
    public static let wordsAt = startAt + 2049
    public static let entriesAt = wordsAt + 256
    static let byIndexAt = entriesAt + 4 * 256

    /// The layout above.
    public let data: [Int32]

    public init(palette: Palette) {
        let n = palette.count
        let lab = palette.colors.map { OkLab.convert($0.r, $0.g, $0.b) }
        let order = (0..<n).sorted { (lab[$0].L, $0) < (lab[$1].L, $1) }
        var d = [Int32](repeating: 0, count: Self.byIndexAt + 4 * n)
        d[Self.countAt] = Int32(n)
        d.replaceSubrange(Self.tablesAt..<(Self.tablesAt + OkLab.tables.count), with: OkLab.tables)
        var k = 0
        for v in 0...2048 {
            while k < n && lab[order[k]].L < v { k += 1 }
            d[Self.startAt + v] = Int32(k)
        }
        for (i, c) in palette.colors.enumerated() {
            d[Self.wordsAt + i] = Int32(i) << 24 | Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b)
        }
        for (k, i) in order.enumerated() {
            d[Self.entriesAt + 4 * k] = lab[i].L
            d[Self.entriesAt + 4 * k + 1] = lab[i].a
            d[Self.entriesAt + 4 * k + 2] = lab[i].b
            d[Self.entriesAt + 4 * k + 3] = Int32(i)
        }
        for i in 0..<n {
            d[Self.byIndexAt + 4 * i] = lab[i].L
            d[Self.byIndexAt + 4 * i + 1] = lab[i].a
            d[Self.byIndexAt + 4 * i + 2] = lab[i].b
            d[Self.byIndexAt + 4 * i + 3] = Int32(i)
        }
        data = d
    }

    /// The palette index nearest to (r, g, b) in OkLab. Channels must be 0...255.
    public func nearest(_ r: Int32, _ g: Int32, _ b: Int32) -> Int {
        precondition(0...255 ~= r && 0...255 ~= g && 0...255 ~= b, "colour channels must be 0...255")
        return data.withUnsafeBufferPointer { Int(UInt32(bitPattern: Self.lookup($0.baseAddress!, r, g, b, hint: 0)) >> 24) }
    }

    /// The reference: every entry's key, the least wins.
    public static func bruteForceNearest(_ palette: Palette, _ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let q = OkLab.convert(r, g, b)
        var best = Int32.max
        for (i, c) in palette.colors.enumerated() {
            let e = OkLab.convert(c.r, c.g, c.b)
            let dl = e.L - q.L, da = e.a - q.a, db = e.b - q.b
            best = min(best, (dl * dl + da * da + db * db) << 8 | Int32(i))
        }
        return Int(best & 255)
    }

    /// The search kernel on `data`: returns the word (`index << 24 | r << 16 | g << 8 | b`) of
    /// the nearest entry. Channels must be 0...255; then L is 0...2048, so `start[L]` exists.
    /// `hint` is any palette index: a good guess only makes the walk shorter.
    @inline(__always)
    static func lookup(_ d: UnsafePointer<Int32>, _ r: Int32, _ g: Int32, _ b: Int32, hint: Int) -> Int32 {
        let q = OkLab.convert(d + tablesAt, r, g, b)
        let e = d + entriesAt
        let n = Int(d[countAt])
        let first = Int(d[startAt &+ Int(q.L)])
        let h = d + (byIndexAt &+ 4 &* hint)
        let hl = h[0] &- q.L, ha = h[1] &- q.a, hb = h[2] &- q.b
        var best = (hl &* hl &+ ha &* ha &+ hb &* hb) << 8 | h[3]
        var k = first
        while k < n {
            let p = e + 4 &* k
            let dl = p[0] &- q.L
            if (dl &* dl) << 8 >= best { break }
            let da = p[1] &- q.a, db = p[2] &- q.b
            best = min(best, (dl &* dl &+ da &* da &+ db &* db) << 8 | p[3])
            k &+= 1
        }
        k = first &- 1
        while k >= 0 {
            let p = e + 4 &* k
            let dl = p[0] &- q.L
            if (dl &* dl) << 8 >= best { break }
            let da = p[1] &- q.a, db = p[2] &- q.b
            best = min(best, (dl &* dl &+ da &* da &+ db &* db) << 8 | p[3])
            k &-= 1
        }
        return d[wordsAt &+ Int(best & 255)]
    }
}
