import Foundation
import GifsmithCore
import GifsmithMedia

/// An RGB picture, 3 bytes per pixel, rows packed.
public struct Canvas: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var rgb: [UInt8]

    public init(width: Int, height: Int, rgb: [UInt8]) {
        self.width = width
        self.height = height
        self.rgb = rgb
    }

    public init(width: Int, height: Int) { self.init(width: width, height: height, rgb: [UInt8](repeating: 0, count: width * height * 3)) }

    /// A decoded still (RGB or YUV planes) as RGB. BT.601 integer conversion with 16-bit
    /// coefficients; the stand-in's pictures need to look right, not match a reference bit for bit.
    public init(_ f: PlanarFrame) {
        self.init(width: f.width, height: f.height)
        let w = f.width, h = f.height
        // Once: `planes` copies a decoder's borrowed picture on every read.
        let planes = f.planes
        switch f.layout {
        case .rgb:
            for y in 0..<h {
                for x in 0..<w {
                    let o = (y * w + x) * 3
                    rgb[o] = planes[0][y * f.strides[0] + x]
                    rgb[o + 1] = planes[1][y * f.strides[1] + x]
                    rgb[o + 2] = planes[2][y * f.strides[2] + x]
                }
            }
        case let .yuv(sx, sy, _, range, _):
            let full = range == .full
            for y in 0..<h {
                for x in 0..<w {
                    var Y = Int(planes[0][y * f.strides[0] + x])
                    let cb = Int(planes[1][(y >> sy) * f.strides[1] + (x >> sx)]) - 128
                    let cr = Int(planes[2][(y >> sy) * f.strides[2] + (x >> sx)]) - 128
                    // Limited range: scale Y by 255/219 and chroma by 255/224 (×65536).
                    var cbS = cb, crS = cr
                    if !full {
                        Y = ((Y - 16) * 76309) >> 16
                        cbS = (cb * 74711) >> 16
                        crS = (cr * 74711) >> 16
                    }
                    let r = Y + ((91881 * crS) >> 16)
                    let g = Y - ((22554 * cbS + 46802 * crS) >> 16)
                    let b = Y + ((116130 * cbS) >> 16)
                    let o = (y * w + x) * 3
                    rgb[o] = UInt8(clamping: r)
                    rgb[o + 1] = UInt8(clamping: g)
                    rgb[o + 2] = UInt8(clamping: b)
                }
            }
        }
    }

    /// Nearest-neighbour resize.
    public func resized(width nw: Int, height nh: Int) -> Canvas {
        if nw == width && nh == height { return self }
        var out = Canvas(width: nw, height: nh)
        for y in 0..<nh {
            let sy = (y * height) / nh
            for x in 0..<nw {
                let sx = (x * width) / nw
                let s = (sy * width + sx) * 3, d = (y * nw + x) * 3
                out.rgb[d] = rgb[s]; out.rgb[d + 1] = rgb[s + 1]; out.rgb[d + 2] = rgb[s + 2]
            }
        }
        return out
    }
}

/// The stand-in's "image model": a deterministic picture from the words of a prompt.
public enum PromptPainter {
    static let palette: [(String, (UInt8, UInt8, UInt8))] = [
        ("coral", (255, 127, 80)), ("yellow", (250, 215, 40)), ("magenta", (220, 40, 180)), ("red", (215, 40, 40)),
        ("orange", (250, 140, 20)), ("green", (40, 170, 70)), ("blue", (40, 90, 210)), ("teal", (30, 150, 150)),
        ("cyan", (40, 200, 220)), ("purple", (120, 50, 170)), ("violet", (140, 90, 220)), ("pink", (245, 150, 190)),
        ("gold", (220, 175, 50)), ("brown", (130, 85, 45)), ("white", (240, 240, 240)), ("black", (20, 20, 20)),
        ("gray", (128, 128, 128)), ("grey", (128, 128, 128)), ("navy", (20, 30, 100)), ("sky", (120, 180, 240)),
    ]

    /// Colours named in the prompt in order of appearance (hash-chosen when none), a gradient
    /// between them, and shapes for "line(s)", "circle(s)"/"sun"/"balloon", else soft bands.
    /// "dim" or "dark" halves the brightness.
    public static func paint(prompt: String, width: Int, height: Int) -> Canvas {
        let lower = prompt.lowercased()
        var colors = palette.compactMap { name, c in lower.range(of: name).map { ($0.lowerBound, c) } }
            .sorted { $0.0 < $1.0 }.map { $0.1 }
        var hash: UInt64 = 1469598103934665603
        for b in lower.utf8 { hash = (hash ^ UInt64(b)) &* 1099511628211 }
        while colors.count < 3 {
            let h = hash >> UInt64(colors.count * 21)
            colors.append((UInt8(truncatingIfNeeded: h), UInt8(truncatingIfNeeded: h >> 8), UInt8(truncatingIfNeeded: h >> 16)))
        }
        let dim = lower.contains("dim") || lower.contains("dark")
        var c = Canvas(width: width, height: height)
        let lines = lower.contains("line") || lower.contains("stripe")
        let circles = lower.contains("circle") || lower.contains("sun") || lower.contains("balloon")
        let (a, b, s) = (colors[0], colors[1], colors[2])
        let diag = max(1, width + height)
        let stripe = max(8, min(width, height) / 6)
        let r2 = (min(width, height) / 4) * (min(width, height) / 4)
        for y in 0..<height {
            for x in 0..<width {
                let t = ((x + y) * 256) / diag  // 0..255 along the diagonal
                var r = (Int(a.0) * (256 - t) + Int(b.0) * t) >> 8
                var g = (Int(a.1) * (256 - t) + Int(b.1) * t) >> 8
                var bl = (Int(a.2) * (256 - t) + Int(b.2) * t) >> 8
                var accent = false
                if lines { accent = ((x + 2 * y) / stripe) % 4 == 0 }
                if circles {
                    let dx = x - width / 3, dy = y - height / 2
                    accent = accent || dx * dx + dy * dy <= r2
                }
                if !lines && !circles { accent = ((y * 8) / max(1, height)) % 3 == 1 && ((x * 5) / max(1, width)) % 2 == 0 }
                if accent { r = (r + 3 * Int(s.0)) >> 2; g = (g + 3 * Int(s.1)) >> 2; bl = (bl + 3 * Int(s.2)) >> 2 }
                if dim { r >>= 1; g >>= 1; bl >>= 1 }
                let o = (y * width + x) * 3
                c.rgb[o] = UInt8(r); c.rgb[o + 1] = UInt8(g); c.rgb[o + 2] = UInt8(bl)
            }
        }
        return c
    }
}

/// The stand-in's "video model": gentle zoom and pan that returns to the start, cross-fading
/// into the tail image so the last frame is exactly the tail (a seamless loop when tail == head).
public enum Animator {
    public static func frame(_ i: Int, of n: Int, head: Canvas, tail: Canvas?) -> Canvas {
        let w = head.width, h = head.height
        let last = max(1, n - 1)
        // bump: 0 at both ends, 4096 in the middle.
        let bump = (4 * i * (last - i) * 4096) / (last * last)
        let zoom = 4096 + bump / 10  // up to 10% closer
        let panX = (bump * w) / (4096 * 40)  // up to 2.5% of the width
        var out = Canvas(width: w, height: h)
        let cx = w / 2, cy = h / 2
        let tailC = tail?.resized(width: w, height: h)
        let weight = (i * 256) / last  // 256 on the last frame: exactly the tail
        head.rgb.withUnsafeBufferPointer { src in
            out.rgb.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    var sy = cy + ((y - cy) * 4096) / zoom
                    sy = min(h - 1, max(0, sy))
                    for x in 0..<w {
                        var sx = cx + panX + ((x - cx) * 4096) / zoom
                        sx = min(w - 1, max(0, sx))
                        let s = (sy * w + sx) * 3, d = (y * w + x) * 3
                        if let t = tailC {
                            for k in 0..<3 {
                                dst[d + k] = UInt8((Int(src[s + k]) * (256 - weight) + Int(t.rgb[d + k]) * weight) >> 8)
                            }
                        } else {
                            dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                        }
                    }
                }
            }
        }
        return out
    }
}
