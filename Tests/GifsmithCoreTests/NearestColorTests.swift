import XCTest
import GifsmithCore

final class NearestColorTests: XCTestCase {
    private func randomPalette(_ n: Int, _ rng: inout PaletteRNG) -> Palette {
        Palette((0..<n).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) })
    }

    /// Compares `nearest` with brute force on the 8 corners of RGB space, `samples` random
    /// colours, and colours around the given palette entries (±1 of each, where ties live).
    private func assertExact(_ palette: Palette, samples: Int, _ rng: inout PaletteRNG, file: StaticString = #filePath, line: UInt = #line) {
        let m = PaletteMapper(palette: palette)
        var queries = [(Int32, Int32, Int32)]()
        for c in 0..<8 { queries.append((c & 4 != 0 ? 255 : 0, c & 2 != 0 ? 255 : 0, c & 1 != 0 ? 255 : 0)) }
        for _ in 0..<samples { queries.append((Int32(rng.byte()), Int32(rng.byte()), Int32(rng.byte()))) }
        for c in palette.colors.prefix(32) {
            for d in [-1, 0, 1] {
                queries.append((min(max(Int32(c.r) + Int32(d), 0), 255), Int32(c.g), min(max(Int32(c.b) - Int32(d), 0), 255)))
            }
        }
        var mismatches = 0
        for (r, g, b) in queries {
            let got = m.nearest(r, g, b)
            let want = PaletteMapper.bruteForceNearest(palette, r, g, b)
            if got != want {
                mismatches += 1
                if mismatches <= 5 { XCTFail("(\(r),\(g),\(b)): \(got) != \(want), palette size \(palette.count)", file: file, line: line) }
            }
        }
        XCTAssertEqual(mismatches, 0, file: file, line: line)
    }

    func testRandomPalettesOfManySizes() {
        var rng = PaletteRNG(10)
        for n in [1, 2, 3, 17, 64, 255, 256] {
            for _ in 0..<3 { assertExact(randomPalette(n, &rng), samples: 2000, &rng) }
        }
    }

    func testPalettesWithDuplicates() {
        var rng = PaletteRNG(11)
        for n in [2, 17, 256] {
            var colors = randomPalette(n / 2 + 1, &rng).colors
            while colors.count < n { colors.append(colors[rng.int(0...(colors.count - 1))]) }
            // Shuffle so duplicates appear in both orders.
            for i in stride(from: colors.count - 1, to: 0, by: -1) { colors.swapAt(i, rng.int(0...i)) }
            let p = Palette(colors)
            assertExact(p, samples: 2000, &rng)
            // A duplicate never wins: the first copy of a colour is always preferred.
            let m = PaletteMapper(palette: p)
            for c in colors {
                XCTAssertEqual(m.nearest(Int32(c.r), Int32(c.g), Int32(c.b)), colors.firstIndex(of: c)!)
            }
        }
    }

    func testPalettesInsideOneCellAndClustered() {
        var rng = PaletteRNG(12)
        // All entries in the cell 64...71 on every axis, pixels from everywhere.
        assertExact(Palette((0..<40).map { _ in RGB8(64 + rng.byte() % 8, 64 + rng.byte() % 8, 64 + rng.byte() % 8) }), samples: 3000, &rng)
        // A tight cluster straddling cell borders.
        assertExact(Palette((0..<200).map { _ in RGB8(124 + rng.byte() % 9, 124 + rng.byte() % 9, 124 + rng.byte() % 9) }), samples: 3000, &rng)
        // Greys only, and the corners of the cube.
        assertExact(Palette((0..<256).map { RGB8(UInt8($0), UInt8($0), UInt8($0)) }), samples: 3000, &rng)
        assertExact(Palette((0..<8).map { c in RGB8(c & 4 != 0 ? 255 : 0, c & 2 != 0 ? 255 : 0, c & 1 != 0 ? 255 : 0) }), samples: 3000, &rng)
    }

    func testEveryCellBorderForAPalette() {
        // All 64³ colours on either side of every cell border (8k−1, 8k).
        var rng = PaletteRNG(13)
        let p = randomPalette(17, &rng)
        let m = PaletteMapper(palette: p)
        let values = (0..<32).flatMap { [Int32(8 * $0), Int32(8 * $0 + 7)] }
        var mismatches = 0
        for r in values { for g in values { for b in values where m.nearest(r, g, b) != PaletteMapper.bruteForceNearest(p, r, g, b) { mismatches += 1 } } }
        XCTAssertEqual(mismatches, 0)
    }

    func testTiesGoToTheLowestIndex() {
        // (11,10,10) is 1 away from both entries.
        let a = PaletteMapper(palette: Palette([RGB8(10, 10, 10), RGB8(12, 10, 10)]))
        XCTAssertEqual(a.nearest(11, 10, 10), 0)
        let b = PaletteMapper(palette: Palette([RGB8(12, 10, 10), RGB8(10, 10, 10)]))
        XCTAssertEqual(b.nearest(11, 10, 10), 0)
        // Across a cell border: (7,0,0) is 1 from (6,0,0) and 1 from (8,0,0).
        let c = PaletteMapper(palette: Palette([RGB8(200, 200, 200), RGB8(8, 0, 0), RGB8(6, 0, 0)]))
        XCTAssertEqual(c.nearest(7, 0, 0), 1)
        XCTAssertEqual(PaletteMapper.bruteForceNearest(c.palette, 7, 0, 0), 1)
        // Different axes, equal squared distance 25: (3,4,0) and (5,0,0) from the origin.
        let d = PaletteMapper(palette: Palette([RGB8(255, 255, 255), RGB8(5, 0, 0), RGB8(3, 4, 0)]))
        XCTAssertEqual(d.nearest(0, 0, 0), 1)
    }

    func testTablesAreWellFormed() {
        var rng = PaletteRNG(14)
        for n in [1, 2, 50, 256] {
            let p = randomPalette(n, &rng)
            let m = PaletteMapper(palette: p)
            XCTAssertEqual(m.cellTable.count, PaletteMapper.cellsPerAxis * PaletteMapper.cellsPerAxis * PaletteMapper.cellsPerAxis)
            for entry in m.cellTable {
                let start = Int(entry >> 9), count = Int(entry & 511)
                XCTAssertTrue((1...n).contains(count))
                XCTAssertLessThanOrEqual(start + count, m.candidates.count)
                let run = m.candidates[start..<(start + count)]
                let idx = run.map { Int($0 >> 24) }
                XCTAssertEqual(idx, idx.sorted())
                XCTAssertEqual(Set(idx).count, idx.count)
                for c in run {
                    let col = p.colors[Int(c >> 24)]
                    XCTAssertEqual(c & 0xFF_FFFF, UInt32(col.r) << 16 | UInt32(col.g) << 8 | UInt32(col.b))
                }
                // Padding to a multiple of 4: copies of the run's last entry.
                let padded = (count + 3) & ~3
                XCTAssertLessThanOrEqual(start + padded, m.candidates.count)
                XCTAssertTrue(m.candidates[(start + count)..<(start + padded)].allSatisfy { $0 == run.last! })
                XCTAssertLessThan(start, 1 << 23)
            }
        }
    }

    /// Every one of the 2^24 colours against brute force, for a few hard palettes. Slow (a few
    /// seconds per palette in release): skipped unless GIFSMITH_EXHAUSTIVE is set.
    func testExhaustively() throws {
        guard ProcessInfo.processInfo.environment["GIFSMITH_EXHAUSTIVE"] != nil else { throw XCTSkip("set GIFSMITH_EXHAUSTIVE to check all colours") }
        var rng = PaletteRNG(15)
        var palettes = [randomPalette(256, &rng), randomPalette(17, &rng), randomPalette(5, &rng)]
        palettes.append(Palette((0..<256).map { _ in RGB8(100 + rng.byte() % 40, 30 + rng.byte() % 30, 200 + rng.byte() % 20) }))
        palettes.append(Palette((0..<256).map { RGB8(UInt8($0), UInt8($0), UInt8(255 - $0)) }))
        var dup = randomPalette(64, &rng).colors
        dup += dup.reversed()
        palettes.append(Palette(dup))
        for p in palettes {
            let m = PaletteMapper(palette: p)
            let pr = p.colors.map { Int32($0.r) }, pg = p.colors.map { Int32($0.g) }, pb = p.colors.map { Int32($0.b) }
            var mismatches = 0
            for r in Int32(0)...255 {
                for g in Int32(0)...255 {
                    for b in Int32(0)...255 {
                        var best = Int32.max, bi = 0
                        for i in 0..<p.count {
                            let dr = r - pr[i], dg = g - pg[i], db = b - pb[i]
                            let d = dr * dr + dg * dg + db * db
                            if d < best { best = d; bi = i }
                        }
                        if m.nearest(r, g, b) != bi { mismatches += 1 }
                    }
                }
            }
            XCTAssertEqual(mismatches, 0, "palette of \(p.count)")
        }
    }
}
