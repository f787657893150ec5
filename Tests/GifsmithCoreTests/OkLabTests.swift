import Foundation
import XCTest
@testable import GifsmithCore

/// Fixed-point OkLab (`OkLab`) and nearest colour in it (`OkLabSearch`, `PaletteMapper` with
/// `.oklab`, the map stage, palette building).
final class OkLabTests: XCTestCase {
    /// Ottosson's reference in Double, scaled like the fixed point (L of white = 2048).
    private func reference(_ r: Int, _ g: Int, _ b: Int) -> (Double, Double, Double) {
        func lin(_ v: Int) -> Double {
            let c = Double(v) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        let (R, G, B) = (lin(r), lin(g), lin(b))
        let l = cbrt(0.4122214708 * R + 0.5363325363 * G + 0.0514459929 * B)
        let m = cbrt(0.2119034982 * R + 0.6806995451 * G + 0.1073969566 * B)
        let s = cbrt(0.0883024619 * R + 0.2817188376 * G + 0.6299787005 * B)
        return ((0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s) * 2048,
                (1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s) * 2048,
                (0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s) * 2048)
    }

    func testTablesAreTheirDefinitions() {
        for v in 0...255 {
            let c = Double(v) / 255
            let exact = (c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)) * 65536
            XCTAssertEqual(OkLab.linear[v], Int32(exact.rounded()), "LINEAR[\(v)]")
        }
        XCTAssertEqual(OkLab.cubeRoot.count, 65537)
        for x in 0...65536 {
            // y = round(∛(x·2^32)): (2y − 1)³ ≤ 8·x·2^32 < (2y + 1)³, in exact integers.
            let y = UInt64(OkLab.cubeRoot[x]), n8 = UInt64(x) << 35
            if y > 0 { XCTAssertLessThanOrEqual((2 * y - 1) * (2 * y - 1) * (2 * y - 1), n8, "CUBE[\(x)]") }
            XCTAssertLessThan(n8, (2 * y + 1) * (2 * y + 1) * (2 * y + 1), "CUBE[\(x)]")
        }
        // Rows sum to 1 (M1) and to 1, 0, 0 (M2) exactly: greys have l = m = s and a = b = 0.
        XCTAssertEqual(OkLab.m1[0...2].reduce(0, +), 16384)
        XCTAssertEqual(OkLab.m1[3...5].reduce(0, +), 16384)
        XCTAssertEqual(OkLab.m1[6...8].reduce(0, +), 16384)
        XCTAssertEqual([OkLab.m2[0...2].reduce(0, +), OkLab.m2[3...5].reduce(0, +), OkLab.m2[6...8].reduce(0, +)], [4096, 0, 0])
    }

    /// Against the Double reference on a dense grid (every 5th level, so every corner and edge of
    /// the cube) plus every grey: the bounds measured over all 2^24 colours (OkLab.swift).
    func testMatchesDoubleReferenceAndStaysInRange() {
        var worst = (0.0, 0.0, 0.0), sum = 0.0, n = 0
        var lo = (Int32.max, Int32.max, Int32.max), hi = (Int32.min, Int32.min, Int32.min)
        var colors: [(Int, Int, Int)] = (0...255).map { ($0, $0, $0) }
        for r in stride(from: 0, through: 255, by: 5) {
            for g in stride(from: 0, through: 255, by: 5) {
                for b in stride(from: 0, through: 255, by: 5) { colors.append((r, g, b)) }
            }
        }
        colors += [(1, 0, 2), (2, 0, 0), (0, 0, 1)]
        for (r, g, b) in colors {
            let q = OkLab.convert(UInt8(r), UInt8(g), UInt8(b))
            let d = reference(r, g, b)
            let e = (abs(Double(q.L) - d.0), abs(Double(q.a) - d.1), abs(Double(q.b) - d.2))
            worst = (max(worst.0, e.0), max(worst.1, e.1), max(worst.2, e.2))
            sum += e.0 + e.1 + e.2; n += 3
            lo = (min(lo.0, q.L), min(lo.1, q.a), min(lo.2, q.b))
            hi = (max(hi.0, q.L), max(hi.1, q.a), max(hi.2, q.b))
        }
        XCTAssertLessThanOrEqual(worst.0, 2, "L")
        XCTAssertLessThanOrEqual(worst.1, 6.2, "a")
        XCTAssertLessThanOrEqual(worst.2, 4, "b")
        XCTAssertLessThan(sum / Double(n), 0.4, "mean error")
        // The ranges the Int32 keys rely on.
        XCTAssertTrue(lo.0 >= 0 && hi.0 <= 2048 && lo.1 >= -479 && hi.1 <= 566 && lo.2 >= -638 && hi.2 <= 407, "\(lo) \(hi)")
    }

    func testGreysAreNeutralAndStrictlyBrighter() {
        var last: Int32 = -1
        for v in 0...255 {
            let q = OkLab.convert(UInt8(v), UInt8(v), UInt8(v))
            XCTAssertEqual(q.a, 0, "grey \(v)")
            XCTAssertEqual(q.b, 0, "grey \(v)")
            XCTAssertGreaterThan(q.L, last, "grey \(v)")
            last = q.L
        }
        XCTAssertEqual(OkLab.convert(0, 0, 0).L, 0)
        XCTAssertEqual(OkLab.convert(255, 255, 255).L, 2048)
    }

    /// Hand-checked: grey 60 between black and grey 128. RGB: 3·60² = 10800 < 3·68² = 13872, so
    /// black. OkLab: L(60) = 729 (∛0.04519 = 0.3561, ×2048), L(128) = 1229, so 729² > 500²: grey.
    func testRGBAndOkLabDisagreeOnADarkGrey() {
        let p = Palette([RGB8(0, 0, 0), RGB8(128, 128, 128)])
        XCTAssertEqual(OkLab.convert(60, 60, 60).L, 729)
        XCTAssertEqual(OkLab.convert(128, 128, 128).L, 1229)
        XCTAssertEqual(PaletteMapper(palette: p).nearest(60, 60, 60), 0)
        XCTAssertEqual(PaletteMapper(palette: p, colorSpace: .oklab).nearest(60, 60, 60), 1)
        XCTAssertEqual(OkLabSearch.bruteForceNearest(p, 60, 60, 60), 1)
        // The map stage asks the same question.
        let image = RGBImage(width: 1, height: 1, pixels: [60, 60, 60])
        XCTAssertEqual(DitherKernel.map(image, mapper: PaletteMapper(palette: p), dither: Dither(.none)).indices, [0])
        XCTAssertEqual(DitherKernel.map(image, mapper: PaletteMapper(palette: p, colorSpace: .oklab), dither: Dither(.none)).indices, [1])
    }

    /// The outward search equals brute force on a dense grid (every 9th level) and around every
    /// entry, for random, clustered, duplicated and crowded palettes (256 greys: all in a line
    /// along L, with a = b = 0, so L alone separates them and ties abound between entries).
    func testSearchEqualsBruteForce() {
        var rng = PaletteRNG(41)
        let greys: [RGB8] = (0...255).map { v in RGB8(UInt8(v), UInt8(v), UInt8(v)) }
        let evenGreys: [RGB8] = stride(from: 254, through: 0, by: -2).map { v in RGB8(UInt8(v), UInt8(v), UInt8(v)) }
        var palettes: [Palette] = [Palette([RGB8(7, 7, 7)]), Palette([RGB8(0, 0, 0), RGB8(255, 255, 255)]),
                                   Palette(greys), Palette(evenGreys)]
        for n in [3, 17, 255, 256] {
            palettes.append(Palette((0..<n).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) }))
        }
        palettes.append(Palette((0..<64).map { _ in RGB8(rng.byte() % 16, 60 + rng.byte() % 8, rng.byte() % 16) }))
        let dup = (0..<40).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) }
        palettes.append(Palette(dup + dup.reversed()))
        var grid: [(UInt8, UInt8, UInt8)] = []
        for r in stride(from: 0, through: 255, by: 9) {
            for g in stride(from: 0, through: 255, by: 9) {
                for b in stride(from: 0, through: 255, by: 9) { grid.append((UInt8(r), UInt8(g), UInt8(b))) }
            }
        }
        for p in palettes {
            let search = OkLabSearch(palette: p)
            // Brute force, as `OkLabSearch.bruteForceNearest` with the entries converted once.
            let labs = p.colors.map { OkLab.convert($0.r, $0.g, $0.b) }
            func bruteForce(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
                let q = OkLab.convert(r, g, b)
                var best = Int32.max
                for (i, e) in labs.enumerated() {
                    let dl = e.L - q.L, da = e.a - q.a, db = e.b - q.b
                    best = min(best, (dl * dl + da * da + db * db) << 8 | Int32(i))
                }
                return Int(best & 255)
            }
            var queries = grid
            for c in p.colors.prefix(64) {
                for d in [-1, 0, 1] {
                    queries.append((UInt8(clamping: Int(c.r) + d), c.g, UInt8(clamping: Int(c.b) - d)))
                }
            }
            var mismatches = 0
            for (r, g, b) in queries {
                let got = search.nearest(Int32(r), Int32(g), Int32(b))
                let want = bruteForce(r, g, b)
                // Any starting guess gives the same answer (the map stage guesses the RGB-nearest).
                let hint = (Int(r) &+ Int(g) &* 3 &+ Int(b) &* 7) % p.count
                let hinted = search.data.withUnsafeBufferPointer { OkLabSearch.lookup($0.baseAddress!, Int32(r), Int32(g), Int32(b), hint: hint) }
                XCTAssertEqual(Int(UInt32(bitPattern: hinted) >> 24), want, "(\(r),\(g),\(b)) with hint \(hint)")
                if got != want {
                    mismatches += 1
                    if mismatches <= 3 { XCTFail("(\(r),\(g),\(b)): \(got) != \(want), \(p.count) colours") }
                }
            }
            XCTAssertEqual(mismatches, 0, "\(p.count) colours")
        }
    }

    /// Every dither takes its nearest colours from the OkLab search; `none` is exactly it.
    func testMapWithEveryDitherUsesOkLab() {
        var rng = PaletteRNG(42)
        let w = 23, h = 17
        let pixels = (0..<(w * h * 3)).map { _ in rng.byte() }
        let image = RGBImage(width: w, height: h, pixels: pixels)
        let p = Palette((0..<19).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) })
        let m = PaletteMapper(palette: p, colorSpace: .oklab)
        let plain = DitherKernel.map(image, mapper: m, dither: Dither(.none))
        for i in 0..<(w * h) {
            XCTAssertEqual(Int(plain.indices[i]), OkLabSearch.bruteForceNearest(p, pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]))
        }
        // RGB mapping of the same image differs somewhere (otherwise this test proves nothing).
        XCTAssertNotEqual(DitherKernel.map(image, mapper: PaletteMapper(palette: p), dither: Dither(.none)).indices, plain.indices)
        for method in DitherMethod.allCases {
            let a = DitherKernel.map(image, mapper: m, dither: Dither(method))
            XCTAssertEqual(a.indices, DitherKernel.map(image, mapper: m, dither: Dither(method)).indices, "\(method)")
            XCTAssertTrue(a.indices.allSatisfy { Int($0) < p.count }, "\(method)")
        }
    }

    /// OkLab palettes: deterministic, every quantizer, within the size, and not RGB's (along greys
    /// the two agree almost exactly, as sRGB's encoding is already near-perceptual in lightness;
    /// they part over hues, where equal RGB steps are unequal to the eye).
    func testOkLabPalettes() throws {
        var h = ColorHistogram()
        var px: [UInt8] = []
        for v in 0...255 { px += [UInt8(v), UInt8(v), UInt8(v)] }
        var rng = PaletteRNG(43)
        for _ in 0..<3000 { px += [rng.byte(), rng.byte(), rng.byte()] }
        h.add(RGBImage(width: px.count / 3, height: 1, pixels: px))
        for kind in QuantizerKind.allCases {
            let p = try Quantizer.palette(from: h, maxColors: 16, kind: kind, colorSpace: .oklab)
            XCTAssertEqual(try Quantizer.palette(from: h, maxColors: 16, kind: kind, colorSpace: .oklab), p, "\(kind)")
            XCTAssertTrue((1...16).contains(p.count), "\(kind)")
            XCTAssertEqual(Set(p.colors).count, p.count, "\(kind)")
            XCTAssertNotEqual(try Quantizer.palette(from: h, maxColors: 16, kind: kind), p, "\(kind)")
        }
    }
}
