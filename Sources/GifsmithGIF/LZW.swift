/// GIF's variable-width LZW: encoder (on the critical path) and decoder (for checks).
///
/// Encoded data is the image-data body of a GIF: sub-blocks of at most 255 bytes, each
/// preceded by its length, ended by a zero-length block. The minimum code size byte that
/// precedes them in a file is not included.
///
/// Code stream: a clear code first; codes widen from `minimumCodeSize + 1` bits up to 12;
/// when all 4096 codes are in use the encoder sends a clear code and starts a fresh table
/// (no deferred clear); end-of-information last.
public enum LZW {
    /// Encodes `indices` (each must be below `1 << minimumCodeSize`) as GIF sub-blocks.
    public static func encode(_ indices: UnsafeBufferPointer<UInt8>, minimumCodeSize: Int) -> [UInt8] {
        var out: [UInt8] = []
        LZWEncoder().encode(indices, minimumCodeSize: minimumCodeSize, appendingTo: &out)
        return out
    }

    /// Encodes `indices` (each must be below `1 << minimumCodeSize`) as GIF sub-blocks.
    public static func encode(_ indices: [UInt8], minimumCodeSize: Int) -> [UInt8] {
        indices.withUnsafeBufferPointer { encode($0, minimumCodeSize: minimumCodeSize) }
    }

    /// Encodes `indices` with lossy LZW (see `LossyLZW`); nil or a level-0 `lossy` gives
    /// exactly `encode(_:minimumCodeSize:)`.
    /// - Precondition: `lossy`'s palette has at most `1 << minimumCodeSize` colours.
    public static func encode(_ indices: [UInt8], minimumCodeSize: Int, lossy: LossyLZW?) -> [UInt8] {
        var out: [UInt8] = []
        indices.withUnsafeBufferPointer {
            LZWEncoder().encode($0, minimumCodeSize: minimumCodeSize, appendingTo: &out, lossy: lossy)
        }
        return out
    }

    /// Decodes GIF sub-blocks (as `encode` writes them, through the zero-length terminator).
    /// Throws on a code that cannot occur, on data that ends before the end-of-information
    /// code, or when more than `maximumCount` indices come out.
    public static func decode(_ subBlocks: [UInt8], minimumCodeSize: Int, maximumCount: Int = .max) throws -> [UInt8] {
        var offset = 0
        let data = try readSubBlocks(subBlocks, at: &offset)
        return try decodeCodeStream(data, minimumCodeSize: minimumCodeSize, maximumCount: maximumCount)
    }

    /// Joins the sub-blocks starting at `offset` and moves `offset` past the terminator.
    static func readSubBlocks(_ bytes: [UInt8], at offset: inout Int) throws -> [UInt8] {
        var data: [UInt8] = []
        while true {
            guard offset < bytes.count else { throw GIFError.malformed("data sub-blocks end without a terminator at byte \(offset)") }
            let len = Int(bytes[offset])
            offset += 1
            if len == 0 { return data }
            guard offset + len <= bytes.count else {
                throw GIFError.malformed("a \(len)-byte sub-block at byte \(offset - 1) runs past the end of the data")
            }
            data.append(contentsOf: bytes[offset ..< offset + len])
            offset += len
        }
    }

    /// Decodes a bare code stream (sub-block framing already removed).
    static func decodeCodeStream(_ data: [UInt8], minimumCodeSize mcs: Int, maximumCount: Int) throws -> [UInt8] {
        guard (2 ... 8).contains(mcs) else { throw GIFError.malformed("LZW minimum code size \(mcs) is outside 2...8") }
        let clear = 1 << mcs
        let eoi = clear + 1
        var prefix = [Int](repeating: 0, count: 4096)
        var suffix = [UInt8](repeating: 0, count: 4096)
        var length = [Int](repeating: 0, count: 4096)
        for c in 0 ..< clear {
            suffix[c] = UInt8(truncatingIfNeeded: c)
            length[c] = 1
        }
        var out: [UInt8] = []
        var codeSize = mcs + 1
        var next = clear + 2
        var previous = -1
        var bitPos = 0
        let totalBits = data.count * 8

        while true {
            guard bitPos + codeSize <= totalBits else {
                throw GIFError.malformed("LZW data ends without an end-of-information code after \(out.count) pixels")
            }
            var code = 0
            for b in 0 ..< codeSize {
                let p = bitPos + b
                code |= Int((data[p >> 3] >> UInt8(p & 7)) & 1) << b
            }
            bitPos += codeSize

            if code == clear {
                codeSize = mcs + 1
                next = clear + 2
                previous = -1
                continue
            }
            if code == eoi { return out }
            if previous < 0 {
                guard code < clear else { throw GIFError.malformed("LZW code \(code) follows a clear code; only a literal can") }
                out.append(UInt8(code))
                previous = code
                continue
            }
            let first: UInt8
            if code < next {
                first = try appendString(code, prefix: prefix, suffix: suffix, length: length, to: &out)
            } else if code == next && next < 4096 {
                // The KwKwK case: the string is the previous one plus its own first symbol.
                let f = try appendString(previous, prefix: prefix, suffix: suffix, length: length, to: &out)
                out.append(f)
                first = f
            } else {
                throw GIFError.malformed("LZW code \(code) is not yet defined (next free code is \(next))")
            }
            if next < 4096 {
                prefix[next] = previous
                suffix[next] = first
                length[next] = length[previous] + 1
                next += 1
                if next == (1 << codeSize) && codeSize < 12 { codeSize += 1 }
            }
            previous = code
            guard out.count <= maximumCount else {
                throw GIFError.malformed("LZW data holds more than the \(maximumCount) pixels of its image")
            }
        }
    }

    /// Appends the string of `code` and returns its first symbol.
    private static func appendString(_ code: Int, prefix: [Int], suffix: [UInt8], length: [Int], to out: inout [UInt8]) throws -> UInt8 {
        let n = length[code]
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: n))
        var c = code
        var i = start + n - 1
        while i >= start {
            out[i] = suffix[c]
            c = prefix[c]
            i -= 1
        }
        return out[start]
    }
}

/// A reusable LZW encoder; it is not safe to share between threads (use one per thread).
///
/// The string table is a hash table of 8192 32-bit words, `key << 12 | code` with
/// `key = prefixCode << 8 | index` (20 bits) and 0 for an empty slot (codes start past the clear
/// and end codes, so no stored word is 0), probed linearly. At most 4096 − (clear + 2) entries
/// are live, so the table is at most half full. Why not a direct `[prefix][index]` array: that is
/// 2 MiB, and the encoder's one serial dependency is this lookup (the next key needs its answer);
/// measured on a 480-wide batch, 71% of the encoder's time sat on that load missing the caches.
/// 32 KiB stays in the first-level cache. The bytes written do not depend on how the table is
/// stored.
public final class LZWEncoder {
    /// log2 of the table's slots.
    static let tableBits = 13
    private let table: UnsafeMutablePointer<UInt32>
    /// slotOf[code] = the slot that code was stored in, for clearing: only the entries a call set
    /// are cleared again, which is far cheaper than wiping the table on every clear code.
    private let slotOf: UnsafeMutablePointer<Int32>
    /// The run strings (see `Runs`): per index, how long its longest run string is, and the
    /// codes of those strings, 4096 per index (written before read; only the rows of indices that
    /// repeat are ever touched).
    private let runLongest: UnsafeMutablePointer<Int32>
    private let runCodes: UnsafeMutablePointer<UInt16>

    public init() {
        table = .allocate(capacity: 1 << Self.tableBits)
        table.initialize(repeating: 0, count: 1 << Self.tableBits)
        slotOf = .allocate(capacity: 4096)
        slotOf.initialize(repeating: 0, count: 4096)
        runLongest = .allocate(capacity: 256)
        runLongest.initialize(repeating: 1, count: 256)
        runCodes = .allocate(capacity: 256 * 4096)
    }

    deinit {
        table.deallocate()
        slotOf.deallocate()
        runLongest.deallocate()
        runCodes.deallocate()
    }

    /// Appends the sub-blocked encoding of `indices` to `out` (no minimum-code-size byte).
    public func encode(_ indices: UnsafeBufferPointer<UInt8>, minimumCodeSize mcs: Int, appendingTo out: inout [UInt8]) {
        _ = encode(indices, minimumCodeSize: mcs, appendingTo: &out, byteLimit: .max)
    }

    /// As `encode(_:minimumCodeSize:appendingTo:)`, with lossy LZW (see `LossyLZW`); nil or a
    /// level-0 `lossy` gives the same bytes.
    /// - Precondition: `lossy`'s palette has at most `1 << minimumCodeSize` colours.
    public func encode(_ indices: UnsafeBufferPointer<UInt8>, minimumCodeSize mcs: Int, appendingTo out: inout [UInt8],
                       lossy: LossyLZW?) {
        _ = encode(indices, minimumCodeSize: mcs, appendingTo: &out, byteLimit: .max, lossy: lossy)
    }

    /// As `encode(_:minimumCodeSize:appendingTo:)`, but if the encoding is longer than
    /// `byteLimit` bytes it returns false and leaves `out` as it was, giving up as soon as the
    /// bytes written so far show it. Used to cut short the losing one of two candidates.
    func encode(_ indices: UnsafeBufferPointer<UInt8>, minimumCodeSize mcs: Int, appendingTo out: inout [UInt8],
                byteLimit: Int, lossy: LossyLZW? = nil) -> Bool {
        precondition((2 ... 8).contains(mcs), "LZW minimum code size must be 2...8")
        let lossy = lossy?.isLossless == false ? lossy : nil
        if let lossy {
            precondition(lossy.paletteCount <= 1 << mcs, "a lossy LZW palette of \(lossy.paletteCount) colours does not fit minimum code size \(mcs)")
        }
        let clear = 1 << mcs
        let n = indices.count
        if n > 0 {
            var maxIndex: UInt8 = 0
            for v in indices where v > maxIndex { maxIndex = v }
            precondition(Int(maxIndex) < clear, "index \(maxIndex) does not fit minimum code size \(mcs)")
        }

        // Upper bound: at most one code per index, plus clears (one per 3838 codes), the first
        // clear, the last code and EOI, each at most 12 bits; then one length byte per 255.
        let codes = n + n / 1024 + 8
        let rawBytes = codes * 3 / 2 + 2
        let capacity = rawBytes + rawBytes / 255 + 4
        let base = out.count
        out.append(contentsOf: repeatElement(0, count: capacity))
        let table = Table(slots: self.table, slotOf: slotOf)
        let written = out.withUnsafeMutableBufferPointer { buf -> Int in
            guard let lossy else {
                return Self.run(indices, mcs: mcs, table: table, out: buf.baseAddress! + base, byteLimit: byteLimit,
                                runs: Runs(longest: runLongest, codes: runCodes), lossyOffsets: nil, lossyCandidates: nil)
            }
            return lossy.offsets.withUnsafeBufferPointer { offsets in
                lossy.candidates.withUnsafeBufferPointer { candidates in
                    Self.run(indices, mcs: mcs, table: table, out: buf.baseAddress! + base, byteLimit: byteLimit,
                             runs: nil, lossyOffsets: offsets.baseAddress, lossyCandidates: candidates.baseAddress)
                }
            }
        }
        if written < 0 {
            out.removeLast(capacity)
            return false
        }
        out.removeLast(capacity - written)
        return true
    }

    /// The string table's operations over the encoder's storage.
    private struct Table {
        let slots: UnsafeMutablePointer<UInt32>
        let slotOf: UnsafeMutablePointer<Int32>
        static let mask = (1 << LZWEncoder.tableBits) - 1

        /// Fibonacci hashing: the top bits of key · 2^32/φ spread neighbouring keys apart.
        @inline(__always)
        static func home(_ key: Int) -> Int {
            Int(truncatingIfNeeded: (UInt32(truncatingIfNeeded: key) &* 0x9E37_79B1) >> UInt32(32 - LZWEncoder.tableBits))
        }

        /// The code of string `key` (`prefix << 8 | index`) if present (codes are positive);
        /// if absent, `~slot` (negative) for the empty slot where `insert` would store it, so a
        /// miss, which is followed by that insert, probes once, not twice.
        @inline(__always)
        func find(_ key: Int) -> Int {
            var slot = Self.home(key)
            while true {
                let word = slots[slot]
                if word == 0 { return ~slot }
                if Int(word >> 12) == key { return Int(word & 4095) }
                slot = (slot &+ 1) & Self.mask
            }
        }

        /// Adds string `key` as `code` at `slot`, the empty slot `find(key)` returned (the
        /// table has not changed since).
        @inline(__always)
        func insert(_ key: Int, code: Int, at slot: Int) {
            slots[slot] = UInt32(truncatingIfNeeded: key << 12 | code)
            slotOf[code] = Int32(truncatingIfNeeded: slot)
        }

        /// Empties the slots of codes `first..<end` (every entry there is, so probe chains stay valid).
        @inline(__always)
        func remove(codes first: Int, _ end: Int) {
            for code in first ..< end { slots[Int(slotOf[code])] = 0 }
        }
    }

    /// Runs of one index, most of a frame-optimised GIF's pixels (transparent stretches, flat
    /// areas, held pixels): on a smooth 1080p sky 95% of the encoded pixels lie in runs of eight
    /// or more, 260 long on average. The strings in the table that repeat one index t are
    /// exactly t¹ … tᴸ for some L: tʲ⁺¹ is added only while tʲ is the current string, so in
    /// order, and a clear code removes them all. Knowing L and the code of each tʲ, a run of m
    /// more t's after the current string tʲ needs no lookup: if j + m ≤ L the string becomes
    /// tʲ⁺ᵐ; otherwise it becomes tᴸ, the next t misses (tᴸ is sent, tᴸ⁺¹ added), and the rest
    /// of the run goes on from t¹. Those are the steps the pixel-by-pixel loop takes, so the
    /// codes are the same; a run costs a scan for its end and one step per code sent.
    private struct Runs {
        /// Per index t: L.
        let longest: UnsafeMutablePointer<Int32>
        /// `codes[t << 12 | j]`: the code of tʲ for 2 ≤ j ≤ L (j < 4096: there are fewer codes).
        let codes: UnsafeMutablePointer<UInt16>

        @inline(__always)
        func code(_ t: Int, _ j: Int) -> Int { j == 1 ? t : Int(codes[t << 12 | j]) }

        @inline(__always)
        func add(_ t: Int, length j: Int, code: Int) {
            codes[t << 12 | j] = UInt16(truncatingIfNeeded: code)
            longest[t] = Int32(truncatingIfNeeded: j)
        }

        /// After a clear code: only the single indices are left.
        func reset() { longest.update(repeating: 1, count: 256) }

        /// The first position past the run of `src[i]` that starts at `i`; eight bytes at a time.
        @inline(__always)
        static func end(_ src: UnsafePointer<UInt8>, from i: Int, _ n: Int) -> Int {
            let t = src[i]
            let pattern = UInt64(t) &* 0x0101_0101_0101_0101
            var j = i &+ 1
            while j &+ 8 <= n {
                let diff = UInt64(littleEndian: UnsafeRawPointer(src + j).loadUnaligned(as: UInt64.self)) ^ pattern
                if diff != 0 { return j &+ diff.trailingZeroBitCount >> 3 }
                j &+= 8
            }
            while j < n && src[j] == t { j &+= 1 }
            return j
        }
    }

    /// The encoder proper; returns the bytes written at `out`, or -1 if they exceed
    /// `byteLimit` (the table is left empty either way). Inlined into its two callers so the
    /// lossless one loses the lossy branch and the registers it holds. `runs` (lossless only:
    /// lossy LZW may continue a run string with a different index) takes runs in one step.
    @inline(__always)
    private static func run(_ src: UnsafeBufferPointer<UInt8>, mcs: Int, table: Table,
                            out: UnsafeMutablePointer<UInt8>, byteLimit: Int, runs: Runs?,
                            lossyOffsets: UnsafePointer<Int32>?, lossyCandidates: UnsafePointer<UInt8>?) -> Int {
        let clear = 1 << mcs
        let eoi = clear + 1
        let firstFree = clear + 2
        var next = firstFree
        var codeSize = mcs + 1

        // Bit accumulator: codes go in at the top of the pending bits, bytes leave from the
        // bottom. Pending bits stay below 8 + 12, far inside 64.
        var acc: UInt64 = 0
        var pending = 0
        // Sub-block framing inline: `blockStart` holds the length byte of the open block.
        var blockStart = 0
        var o = 1
        var blockEnd = 256

        @inline(__always) func putByte(_ b: UInt8) {
            out[o] = b
            o += 1
            if o == blockEnd {
                out[blockStart] = 255
                blockStart = o
                o += 1
                blockEnd = o + 255
            }
        }
        @inline(__always) func put(_ code: Int) {
            acc |= UInt64(truncatingIfNeeded: code) << UInt64(pending)
            pending += codeSize
            while pending >= 8 {
                putByte(UInt8(truncatingIfNeeded: acc))
                acc >>= 8
                pending -= 8
            }
        }
        /// Sends the current string `prefix`, whose extension `key` is not in the table, and
        /// adds `key` (at the empty slot `slot`) or, with the table full, sends a clear code.
        /// False when the bytes so far already exceed the limit.
        @inline(__always) func miss(_ prefix: Int, _ key: Int, slot: Int) -> Bool {
            put(prefix)
            // Bytes so far plus the terminator still to come are a lower bound on the total.
            if o >= byteLimit { return false }
            // The decoder learns each code one step later than we do, so widen when the
            // code count before this addition reaches the width limit (as giflib does).
            if next >= (1 << codeSize) && codeSize < 12 { codeSize += 1 }
            if next < 4096 {
                table.insert(key, code: next, at: slot)
                next += 1
            } else {
                put(clear)
                table.remove(codes: firstFree, 4096)
                runs?.reset()
                next = firstFree
                codeSize = mcs + 1
            }
            return true
        }

        put(clear)
        let n = src.count
        if n > 0 {
            runs?.reset()
            var prefix = Int(src[0])
            // The current string is `runLength` copies of `runIndex` (0: it is not such a run).
            var runIndex = prefix
            var runLength = 1
            var i = 1
            while i < n {
                let k = Int(src[i])
                if let runs, runLength > 0, k == runIndex {
                    let end = Runs.end(src.baseAddress!, from: i, n)
                    var left = end - i
                    i = end
                    while true {
                        let longest = Int(runs.longest[k])
                        if runLength + left <= longest {
                            runLength += left
                            prefix = runs.code(k, runLength)
                            break
                        }
                        // kᴸ, then one more k that the table does not have: kᴸ⁺¹ is added.
                        left -= longest - runLength + 1
                        let key = runs.code(k, longest) << 8 | k
                        let added = next, slot = ~table.find(key)
                        assert(slot >= 0, "a run string longer than the longest recorded is in the table")
                        guard miss(key >> 8, key, slot: slot) else {
                            table.remove(codes: firstFree, next)
                            return -1
                        }
                        if next > added { runs.add(k, length: longest + 1, code: added) }
                        prefix = k
                        runLength = 1
                        if left == 0 { break }
                    }
                    continue
                }
                i += 1
                // Keys are `prefix << 8 | index` whatever the minimum code size: indices fit 8 bits.
                let key = prefix << 8 | k
                let c = table.find(key)
                if c > 0 {
                    // Not a run of k: with `runs` that case is taken above; without, runLength is unused.
                    prefix = c
                    runLength = 0
                    continue
                }
                // Lossy: continue instead with the nearest acceptable index the table can
                // extend this string with (LossyLZW rule 2). Candidates are palette indices,
                // below `clear` (checked by the caller).
                if let lossyOffsets, let lossyCandidates {
                    var q = Int(lossyOffsets[k])
                    let end = Int(lossyOffsets[k + 1])
                    var found = 0
                    while q < end {
                        found = table.find(prefix << 8 | Int(lossyCandidates[q]))
                        if found > 0 { break }
                        q += 1
                    }
                    if found > 0 {
                        // (runLength is unused here: lossy encoding takes no `runs`.)
                        prefix = found
                        continue
                    }
                }
                guard miss(prefix, key, slot: ~c) else {
                    table.remove(codes: firstFree, next)
                    return -1
                }
                prefix = k
                runIndex = k
                runLength = 1
            }
            put(prefix)
            if next >= (1 << codeSize) && codeSize < 12 { codeSize += 1 }
        }
        put(eoi)
        if pending > 0 { putByte(UInt8(truncatingIfNeeded: acc)) }
        // Leave the table empty for the next call.
        table.remove(codes: firstFree, next)

        let total: Int
        if o > blockStart + 1 {
            out[blockStart] = UInt8(truncatingIfNeeded: o - blockStart - 1)
            out[o] = 0
            total = o + 1
        } else {
            out[blockStart] = 0
            total = blockStart + 1
        }
        return total > byteLimit ? -1 : total
    }
}
