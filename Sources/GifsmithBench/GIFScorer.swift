import Foundation
import Gifsmith
import GifsmithCore
import GifsmithGIF

/// Scores a GIF against a clip's reference frames.
public struct GIFScore: Sendable {
    public var width: Int
    public var height: Int
    public var frames: Int
    public var psnr: Double
    public var ssim: Double
    public var flicker: Double?
    /// Means of libjxl's metrics over the sampled frames (nil: tool missing or failed).
    public var perceptual: PerceptualFrameScore
    /// Why a perceptual column is empty for this GIF (a tool failed, frames too small).
    public var perceptualNotes: [String]
    public var perFrame: [FrameScore]
    /// The GIF's canvas at `cropCentiseconds` (RGB24, width*height*3).
    public var cropFrame: [UInt8]
    /// The source frame index paired with `cropFrame`.
    public var cropSourceFrame: Int
}

public enum GIFScorer {
    /// The GIF frames scored: `count` evenly spread over `total` (first and last included); all of
    /// them when `count` is 0 or at least `total`.
    public static func sampledFrames(total: Int, count: Int) -> [Int] {
        guard total > 0 else { return [] }
        if count <= 0 || count >= total { return Array(0..<total) }
        if count == 1 { return [total / 2] }
        var out: [Int] = []
        for j in 0..<count {
            let k = (j * (total - 1) + (count - 1) / 2) / (count - 1)
            if out.last != k { out.append(k) }
        }
        return out
    }

    /// Scores `gif` (the file's bytes): PSNR/SSIM on the sampled frames, flicker on each sampled
    /// frame and the one before it, the `perceptual` tools on the sampled frames, and the canvas at
    /// `cropCentiseconds` (nil: half the duration).
    public static func score(
        gif bytes: [UInt8], reference: ReferenceClip, fps: FrameRate?, framesSampled: Int, staticThreshold: Int,
        cropCentiseconds: Int? = nil, perceptual: PerceptualTools = .none
    ) throws -> GIFScore {
        let image = try GIFReader.decode(bytes)
        let n = image.frames.count
        guard n > 0 else { throw BenchError.tool("GIF has no frames") }
        var starts: [Int] = []
        var t = 0
        for f in image.frames {
            starts.append(t)
            t += f.delayCentiseconds
        }
        let total = t
        let size = PixelSize(width: image.width, height: image.height)
        let sampled = sampledFrames(total: n, count: framesSampled)
        var pairs = Set(sampled)
        for k in sampled where k > 0 { pairs.insert(k - 1) }
        let cropAt = cropCentiseconds ?? total / 2
        let cropFrame = starts.lastIndex { $0 <= cropAt } ?? 0
        pairs.insert(cropFrame)
        var source: [Int: Int] = [:]
        for k in pairs { source[k] = reference.sourceIndex(atCentiseconds: starts[k], fps: fps) }
        let refs = try reference.frames(Set(source.values), size: size)

        var perFrame: [FrameScore] = []
        var mseSum = 0.0, ssimSum = 0.0
        var changed = 0, statics = 0
        let perceptualScorer = PerceptualScorer(tools: perceptual)
        for k in sampled {
            let s = source[k]!
            let ref = refs[s]!.pixels
            let out = image.frames[k].rgb
            let mse = ImageMetrics.mse(out, ref)
            let ssim = ImageMetrics.ssim(out, ref, width: image.width, height: image.height)
            mseSum += mse
            ssimSum += ssim
            let p = perceptualScorer.add(reference: ref, output: out, width: image.width, height: image.height)
            perFrame.append(FrameScore(gifFrame: k, seconds: Double(starts[k]) / 100, sourceFrame: s,
                                       psnr: ImageMetrics.psnr(mse: mse), ssim: ssim,
                                       butteraugli: p.butteraugli, butteraugli3Norm: p.butteraugli3Norm, ssimulacra: p.ssimulacra))
            if k > 0 {
                let f = ImageMetrics.flicker(previousOutput: image.frames[k - 1].rgb, output: out,
                                             previousReference: refs[source[k - 1]!]!.pixels, reference: ref,
                                             staticThreshold: staticThreshold)
                changed += f.changed
                statics += f.staticPixels
            }
        }
        let m = Double(sampled.count)
        return GIFScore(
            width: image.width, height: image.height, frames: n,
            psnr: ImageMetrics.psnr(mse: mseSum / m), ssim: ssimSum / m,
            flicker: statics > 0 ? Double(changed) / Double(statics) : nil,
            perceptual: perceptualScorer.means(), perceptualNotes: perceptualScorer.notes,
            perFrame: perFrame, cropFrame: image.frames[cropFrame].rgb, cropSourceFrame: source[cropFrame]!)
    }
}
