import Foundation

/// Full-reference image metrics on interleaved RGB24 buffers of equal size.
///
/// These are statistics printed to users; they decide no pixel, so floating point is fine. Window
/// sums are integers so that identical inputs give exactly SSIM 1 and MSE 0.
public enum ImageMetrics {
    /// PSNR reported for identical images (MSE 0), and the ceiling for any other: a finite number
    /// keeps CSV, JSON and plots simple.
    public static let psnrCap = 100.0

    /// Mean squared error over every channel of every pixel (R, G, B weighted equally).
    public static func mse(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count, "images differ in size")
        guard !a.isEmpty else { return 0 }
        var sum: UInt64 = 0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                // Each term is at most 255^2 < 2^16; 2^48 terms would be needed to overflow UInt64.
                for i in 0..<pa.count {
                    let d = Int(pa[i]) - Int(pb[i])
                    sum &+= UInt64(d * d)
                }
            }
        }
        return Double(sum) / Double(a.count)
    }

    /// `10 log10(255^2 / mse)`, capped at `psnrCap` (also for mse 0).
    public static func psnr(mse: Double) -> Double {
        guard mse > 0 else { return psnrCap }
        return min(psnrCap, 10 * log10(255.0 * 255.0 / mse))
    }

    /// PSNR of two RGB24 images.
    public static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double { psnr(mse: mse(a, b)) }

    /// SSIM of two RGB24 images, `width`x`height`: computed per channel (R, G, B) on 8x8 windows
    /// stepped by 4 pixels (the libvpx/FFmpeg `ssim` filter's window and step, unweighted), with
    /// K1 = 0.01, K2 = 0.03, L = 255 and population (1/N) variances; the three channels' means are
    /// averaged with equal weight. As in FFmpeg, up to 3 edge columns/rows past the last whole
    /// window are not covered. An image smaller than 8 on a side uses a window that fits.
    public static func ssim(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int) -> Double {
        precondition(a.count == b.count && a.count == width * height * 3, "images differ in size")
        guard width > 0, height > 0 else { return 1 }
        let winW = min(8, width), winH = min(8, height)
        let n = Double(winW * winH)
        let c1 = (0.01 * 255) * (0.01 * 255)
        let c2 = (0.03 * 255) * (0.03 * 255)
        var total = 0.0
        var windows = 0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for c in 0..<3 {
                    var y = 0
                    while y + winH <= height {
                        var x = 0
                        while x + winW <= width {
                            // At most 64 terms of at most 255^2 each: far inside Int.
                            var sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0
                            for wy in 0..<winH {
                                var i = ((y + wy) * width + x) * 3 + c
                                for _ in 0..<winW {
                                    let va = Int(pa[i]), vb = Int(pb[i])
                                    sa += va; sb += vb
                                    saa += va * va; sbb += vb * vb; sab += va * vb
                                    i += 3
                                }
                            }
                            let ma = Double(sa) / n, mb = Double(sb) / n
                            let va = Double(saa) / n - ma * ma
                            let vb = Double(sbb) / n - mb * mb
                            let cov = Double(sab) / n - ma * mb
                            let num = (2 * ma * mb + c1) * (2 * cov + c2)
                            let den = (ma * ma + mb * mb + c1) * (va + vb + c2)
                            total += num / den
                            windows += 1
                            x += 4
                        }
                        y += 4
                    }
                }
            }
        }
        return windows == 0 ? 1 : total / Double(windows)
    }

    /// Temporal flicker between two consecutive frames: among the pixels where the reference did
    /// not change (every channel within `staticThreshold` levels), the share whose output RGB
    /// changed at all. Nil when the reference has no static pixel. Lower is better; 0 is ideal.
    public static func flicker(
        previousOutput: [UInt8], output: [UInt8], previousReference: [UInt8], reference: [UInt8], staticThreshold: Int
    ) -> (changed: Int, staticPixels: Int) {
        precondition(previousOutput.count == output.count && reference.count == output.count && previousReference.count == output.count)
        var changed = 0, statics = 0
        previousOutput.withUnsafeBufferPointer { po in
            output.withUnsafeBufferPointer { o in
                previousReference.withUnsafeBufferPointer { pr in
                    reference.withUnsafeBufferPointer { r in
                        var i = 0
                        while i + 2 < o.count {
                            let dr = max(abs(Int(r[i]) - Int(pr[i])), abs(Int(r[i + 1]) - Int(pr[i + 1])), abs(Int(r[i + 2]) - Int(pr[i + 2])))
                            if dr <= staticThreshold {
                                statics += 1
                                if o[i] != po[i] || o[i + 1] != po[i + 1] || o[i + 2] != po[i + 2] { changed += 1 }
                            }
                            i += 3
                        }
                    }
                }
            }
        }
        return (changed, statics)
    }
}
