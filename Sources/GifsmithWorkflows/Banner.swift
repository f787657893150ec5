import Foundation
import Gifsmith
import GifsmithAPI
import GifsmithMedia

/// Seed 000: prompt → image → seamlessly looping video → crop to the exact banner size → GIF.
public struct BannerOptions: Sendable {
    public var prompt: String
    /// The banner's exact size in pixels.
    public var width: Int
    public var height: Int
    public var output: String
    /// A motion prompt for the video model; a gentle default when nil.
    public var motionPrompt: String?
    public var model: KlingModel
    /// 5 or 10 seconds.
    public var duration: Int
    public var gif: GIFSettings
    /// Largest acceptable mean difference (0...255) between the first and last frames.
    public var loopTolerance: Double
    /// Where to keep the generated image and video; nil discards them.
    public var keepIntermediates: String?

    public init(prompt: String, width: Int, height: Int, output: String, motionPrompt: String? = nil, model: KlingModel = .v16Pro,
                duration: Int = 5, gif: GIFSettings = GIFSettings(), loopTolerance: Double = 8, keepIntermediates: String? = nil) {
        self.prompt = prompt
        self.width = width
        self.height = height
        self.output = output
        self.motionPrompt = motionPrompt
        self.model = model
        self.duration = duration
        self.gif = gif
        self.loopTolerance = loopTolerance
        self.keepIntermediates = keepIntermediates
    }
}

public enum Banner {
    /// The image size to generate for a `width`x`height` banner: sides multiples of 32 in
    /// 320...1536 (the video model wants at least 300), aspect within the video model's
    /// 1:2.5...2.5:1, as close as possible to the banner's aspect, then as large as possible.
    /// The video is cropped to the banner's aspect afterwards.
    public static func imageSize(forWidth width: Int, height: Int) -> (width: Int, height: Int) {
        var best = (width: 1024, height: 768)
        var bestErr = Double.infinity
        for w in stride(from: 320, through: 1536, by: 32) {
            for h in stride(from: 320, through: 1536, by: 32) where 2 * max(w, h) <= 5 * min(w, h) {
                let err = abs(log(Double(w) / Double(h)) - log(Double(width) / Double(height)))
                if err < bestErr - 1e-9 || (abs(err - bestErr) <= 1e-9 && w * h > best.width * best.height) {
                    best = (w, h)
                    bestErr = err
                }
            }
        }
        return best
    }

    public static func run(_ o: BannerOptions, session: ServiceSession,
                           progress: @escaping (WorkflowEvent) -> Void = { _ in }) throws -> WorkflowResult {
        let start = Date()
        do {
            guard (1...4096).contains(o.width), (1...4096).contains(o.height) else {
                throw WorkflowError(.usage, "banner size \(o.width)x\(o.height) is outside 1...4096 per side")
            }
            guard !o.prompt.isEmpty else { throw WorkflowError(.usage, "the banner prompt is empty") }
            let client = try session.aiml()
            let work = try o.keepIntermediates ?? Steps.scratch()
            if o.keepIntermediates != nil { try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true) }
            defer { if o.keepIntermediates == nil { try? FileManager.default.removeItem(atPath: work) } }

            let size = imageSize(forWidth: o.width, height: o.height)
            progress(.step("generating a \(size.width)x\(size.height) image"))
            let images = try client.generateImage(ImageRequest(prompt: o.prompt, width: size.width, height: size.height))
            let imagePath = work + "/banner-image.png"
            _ = try client.save(images[0], to: imagePath)
            let image = try InputImage(path: imagePath)

            progress(.step("animating the image (tail = head, for a seamless loop)"))
            let motion = o.motionPrompt ?? "Slow, subtle drifting motion of the shapes and light; calm camera; the last frame returns exactly to the first for a seamless loop."
            let job = try client.submitVideo(KlingRequest(model: o.model, imageURL: image.dataURL, tailImageURL: image.dataURL,
                                                          prompt: motion, duration: o.duration))
            progress(.step("job \(job.id) submitted"))
            let video = work + "/banner-video.mp4"
            _ = try client.downloadVideo(job, to: video, progress: Steps.apiProgress(progress))

            let info = try MediaProbe.probe(video)
            let crop = Steps.coverCrop(videoWidth: info.width, videoHeight: info.height, width: o.width, height: o.height)
            let options = ConvertOptions(width: o.width, height: o.height, crop: crop, fps: o.gif.fps, colors: o.gif.colors,
                                         loop: .forever, backend: o.gif.backend)
            let result = try Steps.gif(video, o.output, options: options, progress: progress)
            let diff = try Steps.loopDifference(o.output)
            if diff > o.loopTolerance {
                progress(.warning(String(format: "the loop is not seamless: first and last frames differ by %.1f on average (tolerance %.1f)", diff, o.loopTolerance)))
            }
            var outputs = [o.output]
            if o.keepIntermediates != nil { outputs += [imagePath, video] }
            return WorkflowResult(outputs: outputs, gif: result, loopDifference: diff, prompt: motion, elapsedSeconds: Date().timeIntervalSince(start))
        } catch {
            throw WorkflowError.wrap(error)
        }
    }
}
