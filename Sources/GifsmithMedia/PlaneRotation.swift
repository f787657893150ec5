import GifsmithCore

/// Lossless quarter-turn rotation of tight 8-bit planes: pixels move, none are resampled.
enum PlaneRotation {
    /// Rotates a `width`×`height` plane clockwise by 90, 180 or 270 degrees (0 returns it as is).
    /// For 90 and 270 the result is `height` wide and `width` high.
    static func rotate(_ src: [UInt8], width w: Int, height h: Int, clockwise degrees: Int) -> [UInt8] {
        precondition(src.count >= w * h, "plane smaller than its size")
        switch degrees {
        case 180:
            return [UInt8](unsafeUninitializedCapacity: w * h) { out, n in
                src.withUnsafeBufferPointer { s in
                    let last = w * h - 1
                    for i in 0...last { out[i] = s[last - i] }
                }
                n = w * h
            }
        case 90, 270:
            return [UInt8](unsafeUninitializedCapacity: w * h) { out, n in
                src.withUnsafeBufferPointer { s in
                    // Output is h wide. 90°: out(x', y') = src(y', h−1−x'); 270°: out(x', y') = src(w−1−y', x').
                    // Tiles keep both the reads and the writes within a few cache lines.
                    let tile = 32
                    var ty = 0
                    while ty < w {
                        let yEnd = min(ty + tile, w)
                        var tx = 0
                        while tx < h {
                            let xEnd = min(tx + tile, h)
                            if degrees == 90 {
                                for yo in ty..<yEnd {
                                    let o = yo * h
                                    for xo in tx..<xEnd { out[o + xo] = s[(h - 1 - xo) * w + yo] }
                                }
                            } else {
                                for yo in ty..<yEnd {
                                    let o = yo * h
                                    let sx = w - 1 - yo
                                    for xo in tx..<xEnd { out[o + xo] = s[xo * w + sx] }
                                }
                            }
                            tx = xEnd
                        }
                        ty = yEnd
                    }
                }
                n = w * h
            }
        default:
            return src
        }
    }

    /// Rotates all three planes of a frame and fixes up size and layout. Chroma planes turn
    /// with the picture, so 4:2:2 becomes 4:4:0 at 90/270. Siting is horizontal only in the
    /// layout; a turned or flipped sub-sampled grid is reported as `.center`, which is at
    /// most half a luma sample from where the samples really sit.
    static func rotate(_ frame: PlanarFrame, clockwise degrees: Int) -> PlanarFrame {
        guard degrees == 90 || degrees == 180 || degrees == 270 else { return frame }
        precondition((0..<3).allSatisfy { frame.strides[$0] == frame.planeWidth($0) }, "rotation takes tight planes")
        let source = frame.planes
        var planes: [[UInt8]] = []
        for i in 0..<3 {
            planes.append(rotate(source[i], width: frame.planeWidth(i), height: frame.planeHeight(i), clockwise: degrees))
        }
        let swap = degrees != 180
        let w = swap ? frame.height : frame.width
        let h = swap ? frame.width : frame.height
        var layout = frame.layout
        if case let .yuv(sx, sy, matrix, range, siting) = frame.layout {
            let nx = swap ? sy : sx
            let ny = swap ? sx : sy
            let turnedSiting: ChromaSiting = nx > 0 ? .center : siting
            layout = .yuv(chromaShiftX: nx, chromaShiftY: ny, matrix: matrix, range: range, siting: turnedSiting)
        }
        var out = PlanarFrame(width: w, height: h, layout: layout, planes: planes, strides: [w, w, w],
                              pts: frame.pts, duration: frame.duration)
        out.strides = [w, out.planeWidth(1), out.planeWidth(2)]
        return out
    }
}
