import Foundation
import Gifsmith
import GifsmithAPI

/// Image → (chat-written prompt) → Kling video → GIF.
public struct AnimateOptions: Sendable {
    public var image: String
    public var output: String
    /// The motion prompt; nil asks the chat model to write one from the picture.
    public var prompt: String?
    public var negativePrompt: String?
    /// End on the first frame (tail_image_url = image) so the GIF loops seamlessly.
    public var loop: Bool
    public var model: KlingModel
    public var duration: Int
    public var cfgScale: Double?
    public var gif: GIFSettings
    /// Also keep the MP4 here.
    public var videoOutput: String?

    public init(image: String, output: String, prompt: String? = nil, negativePrompt: String? = nil, loop: Bool = false,
                model: KlingModel = .v16Pro, duration: Int = 5, cfgScale: Double? = nil, gif: GIFSettings = GIFSettings(), videoOutput: String? = nil) {
        self.image = image
        self.output = output
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.loop = loop
        self.model = model
        self.duration = duration
        self.cfgScale = cfgScale
        self.gif = gif
        self.videoOutput = videoOutput
    }
}

public enum Animate {
    public static func run(_ o: AnimateOptions, session: ServiceSession,
                           progress: @escaping (WorkflowEvent) -> Void = { _ in }) throws -> WorkflowResult {
        let start = Date()
        do {
            let image = try InputImage(path: o.image)
            let client = try session.aiml()
            let work = try Steps.scratch()
            defer { try? FileManager.default.removeItem(atPath: work) }
            var prompt = o.prompt
            if prompt == nil {
                progress(.step("asking the chat model for a motion prompt"))
                prompt = try client.motionPrompt(imageURL: image.dataURL)
            }
            progress(.step("animating \(o.image)"))
            let job = try client.submitVideo(KlingRequest(model: o.model, imageURL: image.dataURL, tailImageURL: o.loop ? image.dataURL : nil,
                                                          prompt: prompt, negativePrompt: o.negativePrompt, duration: o.duration, cfgScale: o.cfgScale))
            let video = o.videoOutput ?? work + "/video.mp4"
            _ = try client.downloadVideo(job, to: video, progress: Steps.apiProgress(progress))
            let options = ConvertOptions(width: o.gif.width, fps: o.gif.fps, colors: o.gif.colors, loop: .forever, backend: o.gif.backend)
            let result = try Steps.gif(video, o.output, options: options, progress: progress)
            let diff = o.loop ? try Steps.loopDifference(o.output) : nil
            return WorkflowResult(outputs: [o.output] + (o.videoOutput.map { [$0] } ?? []), gif: result, loopDifference: diff,
                                  prompt: prompt, elapsedSeconds: Date().timeIntervalSince(start))
        } catch {
            throw WorkflowError.wrap(error)
        }
    }
}

/// Seed 004: a logo into a `magic/image-to-video` template; the MP4 saved, optionally a GIF.
public struct TemplateOptions: Sendable {
    public var image: String
    /// Exactly as the API spells it ("Times Square Billboard").
    public var template: String
    public var output: String
    public var gifOutput: String?
    public var gif: GIFSettings

    public init(image: String, template: String, output: String, gifOutput: String? = nil, gif: GIFSettings = GIFSettings()) {
        self.image = image
        self.template = template
        self.output = output
        self.gifOutput = gifOutput
        self.gif = gif
    }
}

public enum TemplateAd {
    public static func run(_ o: TemplateOptions, session: ServiceSession,
                           progress: @escaping (WorkflowEvent) -> Void = { _ in }) throws -> WorkflowResult {
        let start = Date()
        do {
            let template = try MagicTemplate.named(o.template)
            let image = try InputImage(path: o.image)
            let client = try session.aiml()
            progress(.step("placing \(o.image) in '\(template.rawValue)'"))
            let job = try client.submitTemplate(imageURL: image.dataURL, template: template)
            _ = try client.downloadVideo(job, to: o.output, progress: Steps.apiProgress(progress))
            var outputs = [o.output]
            var gif: TranscodeResult? = nil
            if let g = o.gifOutput {
                gif = try Steps.gif(o.output, g, options: ConvertOptions(width: o.gif.width, fps: o.gif.fps, colors: o.gif.colors, backend: o.gif.backend),
                                    progress: progress)
                outputs.append(g)
            }
            return WorkflowResult(outputs: outputs, gif: gif, loopDifference: nil, prompt: nil, elapsedSeconds: Date().timeIntervalSince(start))
        } catch {
            throw WorkflowError.wrap(error)
        }
    }
}

/// Seed 003: VisionCraft text-to-GIF, downloaded and checked to be a GIF.
public struct TextToGIFOptions: Sendable {
    public var prompt: String
    public var output: String
    public var negativePrompt: String?
    public var sampler: String
    public var cfgScale: Int
    public var steps: Int

    public init(prompt: String, output: String, negativePrompt: String? = nil, sampler: String = "Euler a", cfgScale: Int = 10, steps: Int = 30) {
        self.prompt = prompt
        self.output = output
        self.negativePrompt = negativePrompt
        self.sampler = sampler
        self.cfgScale = cfgScale
        self.steps = steps
    }
}

public enum TextToGIF {
    public static func run(_ o: TextToGIFOptions, session: ServiceSession,
                           progress: @escaping (WorkflowEvent) -> Void = { _ in }) throws -> WorkflowResult {
        let start = Date()
        do {
            let client = try session.visionCraft()
            progress(.step("asking VisionCraft for a GIF"))
            let url = try client.generateGIF(prompt: o.prompt, negativePrompt: o.negativePrompt, sampler: o.sampler, cfgScale: o.cfgScale, steps: o.steps)
            progress(.step("downloading \(HTTPClient.describe(url))"))
            _ = try client.downloadGIF(url, to: o.output)
            return WorkflowResult(outputs: [o.output], gif: nil, loopDifference: nil, prompt: o.prompt, elapsedSeconds: Date().timeIntervalSince(start))
        } catch {
            throw WorkflowError.wrap(error)
        }
    }
}
