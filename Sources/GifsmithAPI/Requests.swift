import Foundation

/// `flux/schnell` text-to-image.
public struct ImageRequest: Sendable, Equatable {
    public var model: String
    public var prompt: String
    public var width: Int
    public var height: Int
    public var numImages: Int
    public var seed: Int?
    public var inferenceSteps: Int?
    public var safetyChecker: Bool?

    public init(prompt: String, width: Int = 1024, height: Int = 768, numImages: Int = 1, seed: Int? = nil,
                inferenceSteps: Int? = nil, safetyChecker: Bool? = nil, model: String = "flux/schnell") {
        self.model = model
        self.prompt = prompt
        self.width = width
        self.height = height
        self.numImages = numImages
        self.seed = seed
        self.inferenceSteps = inferenceSteps
        self.safetyChecker = safetyChecker
    }

    /// Sides must be multiples of 32 within 64...1536.
    public static func checkSize(width: Int, height: Int) throws {
        for (name, v) in [("width", width), ("height", height)] where !(64...1536).contains(v) || v % 32 != 0 {
            throw APIError(.invalidInput, "image \(name) \(v) must be a multiple of 32 within 64...1536")
        }
    }

    public func validate() throws {
        try ImageRequest.checkSize(width: width, height: height)
        guard !prompt.isEmpty, prompt.count <= 4000 else { throw APIError(.invalidInput, "the image prompt must be 1...4000 characters") }
        guard (1...4).contains(numImages) else { throw APIError(.invalidInput, "num_images \(numImages) is outside 1...4") }
        if let seed, seed < 1 { throw APIError(.invalidInput, "seed must be 1 or more") }
        if let s = inferenceSteps, !(1...12).contains(s) { throw APIError(.invalidInput, "num_inference_steps \(s) is outside 1...12") }
    }

    var json: [String: Any] {
        var o: [String: Any] = ["model": model, "prompt": prompt, "image_size": ["width": width, "height": height], "num_images": numImages]
        if let seed { o["seed"] = seed }
        if let inferenceSteps { o["num_inference_steps"] = inferenceSteps }
        if let safetyChecker { o["enable_safety_checker"] = safetyChecker }
        return o
    }
}

/// One generated image: a URL (shape A, or B with `url`) or inline Base64 (shape B).
public struct GeneratedImage: Sendable, Equatable {
    public var url: String?
    public var base64: String?
    public var width: Int?
    public var height: Int?
    public var contentType: String?
}

/// The Kling image-to-video models.
public enum KlingModel: String, Sendable, CaseIterable {
    case v1Standard = "kling-video/v1/standard/image-to-video"
    case v1Pro = "kling-video/v1/pro/image-to-video"
    case v16Standard = "kling-video/v1.6/standard/image-to-video"
    case v16Pro = "kling-video/v1.6/pro/image-to-video"

    /// Masks exist only on the v1 models.
    public var supportsMasks: Bool { self == .v1Standard || self == .v1Pro }
}

/// A point of a dynamic mask's trajectory, in image pixels.
public struct TrajectoryPoint: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public init(x: Int, y: Int) { self.x = x; self.y = y }
}

/// A region that moves along `trajectories`.
public struct DynamicMask: Sendable, Equatable {
    public var maskURL: String
    public var trajectories: [TrajectoryPoint]
    public init(maskURL: String, trajectories: [TrajectoryPoint]) { self.maskURL = maskURL; self.trajectories = trajectories }
}

/// Which video endpoint a job goes to and is polled on.
public enum VideoEndpoint: String, Sendable {
    /// `/v2/generate/video/kling/generation`
    case legacy
    /// `/v2/video/generations`
    case universal

    public var path: String { self == .legacy ? "/v2/generate/video/kling/generation" : "/v2/video/generations" }
}

/// Kling image-to-video, every documented field.
public struct KlingRequest: Sendable, Equatable {
    public var model: KlingModel
    /// A URL or a `data:` URL.
    public var imageURL: String
    public var tailImageURL: String?
    public var prompt: String?
    public var negativePrompt: String?
    /// 5 or 10 seconds.
    public var duration: Int
    /// 0...1.
    public var cfgScale: Double?
    public var staticMaskURL: String?
    public var dynamicMasks: [DynamicMask]

    public init(model: KlingModel = .v16Pro, imageURL: String, tailImageURL: String? = nil, prompt: String? = nil,
                negativePrompt: String? = nil, duration: Int = 5, cfgScale: Double? = nil, staticMaskURL: String? = nil,
                dynamicMasks: [DynamicMask] = []) {
        self.model = model
        self.imageURL = imageURL
        self.tailImageURL = tailImageURL
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.duration = duration
        self.cfgScale = cfgScale
        self.staticMaskURL = staticMaskURL
        self.dynamicMasks = dynamicMasks
    }

    public func validate() throws {
        guard !imageURL.isEmpty else { throw APIError(.invalidInput, "image_url is required") }
        guard duration == 5 || duration == 10 else { throw APIError(.invalidInput, "duration \(duration) must be 5 or 10 seconds") }
        if let c = cfgScale, !(c >= 0 && c <= 1) { throw APIError(.invalidInput, "cfg_scale \(c) is outside 0...1") }
        if let p = prompt, p.count > 2500 { throw APIError(.invalidInput, "the prompt has \(p.count) characters; at most 2500") }
        let hasMasks = staticMaskURL != nil || !dynamicMasks.isEmpty
        if hasMasks && !model.supportsMasks { throw APIError(.invalidInput, "masks need a v1 model, not \(model.rawValue)") }
        if hasMasks && tailImageURL != nil { throw APIError(.invalidInput, "a tail image and masks cannot be used together") }
        if dynamicMasks.count > 6 { throw APIError(.invalidInput, "at most 6 dynamic masks") }
        for m in dynamicMasks where !(2...77).contains(m.trajectories.count) {
            throw APIError(.invalidInput, "a dynamic mask needs 2...77 trajectory points, not \(m.trajectories.count)")
        }
    }

    var json: [String: Any] {
        var o: [String: Any] = ["model": model.rawValue, "image_url": imageURL, "duration": duration]
        if let tailImageURL { o["tail_image_url"] = tailImageURL }
        if let prompt { o["prompt"] = prompt }
        if let negativePrompt { o["negative_prompt"] = negativePrompt }
        if let cfgScale { o["cfg_scale"] = cfgScale }
        if let staticMaskURL { o["static_mask_url"] = staticMaskURL }
        if !dynamicMasks.isEmpty {
            o["dynamic_masks"] = dynamicMasks.map { m in
                ["mask_url": m.maskURL, "trajectories": m.trajectories.map { ["x": $0.x, "y": $0.y] }] as [String: Any]
            }
        }
        return o
    }
}

/// The `magic/image-to-video` templates, spelled exactly as the API's enum (not the web page's captions).
public enum MagicTemplate: String, Sendable, CaseIterable {
    case thailandStreet = "Thailand Street"
    case timesSquareBillboard = "Times Square Billboard"
    case newYorkTimesSquare77 = "New York Times Square (77)"
    case phoneSocial = "Phone Social"
    case artGallery = "Art Gallery"
    case newYorkTimesSquare66 = "New York Times Square (66)"
    case dubaiMuseum = "Dubai Museum"
    case digitalFloat = "Digital Float"
    case rotatingCards = "Rotating Cards"
    case desktopReveal = "Desktop Reveal"
    case egyptPyramid = "Egypt Pyramid"
    case framesDrop = "Frames Drop"
    case cappadociaBalloons = "Cappadocia Balloons"
    case timesSquareRoundScreen = "Times Square Round Screen"
    case stockholmMetro = "Stockholm Metro"
    case tokyoBillboard = "Tokyo Billboard"
    case sanFranciscoSkyscrapers = "San Francisco Skyscrapers"
    case malaysiaShop = "Malaysia Shop"
    case lasVegasLED = "Las Vegas LED"
    case phoneApp = "Phone App"
    case parisEiffelTower = "Paris Eiffel Tower"

    /// The template named `name` exactly; otherwise an error that suggests the closest spelling
    /// (the seed's captions write "Times Square(66)" and a Cyrillic "С" in "Rotating Сards").
    public static func named(_ name: String) throws -> MagicTemplate {
        if let t = MagicTemplate(rawValue: name) { return t }
        func fold(_ s: String) -> String {
            String(s.replacingOccurrences(of: "\u{0421}", with: "C").replacingOccurrences(of: "\u{0441}", with: "c")
                .lowercased().filter { $0.isLetter || $0.isNumber })
        }
        let folded = fold(name)
        var near = allCases.filter { fold($0.rawValue) == folded }
        if near.isEmpty, !folded.isEmpty { near = allCases.filter { fold($0.rawValue).contains(folded) } }
        let hint = near.isEmpty ? "templates: " + allCases.map(\.rawValue).joined(separator: ", ")
            : "did you mean " + near.map { "'\($0.rawValue)'" }.joined(separator: " or ") + "?"
        throw APIError(.invalidInput, "unknown template '\(name)'; \(hint)")
    }
}

/// A submitted job.
public struct VideoJob: Sendable, Equatable {
    public var id: String
    public var status: String
    public var endpoint: VideoEndpoint
}

/// The documented job statuses; `waiting` and `active` appear in the SDK and are pending too.
public enum JobStatus: String, Sendable {
    case queued, generating, waiting, active, processing, completed, error

    public var isPending: Bool { self != .completed && self != .error }
}

/// One poll's answer.
public struct VideoStatus: Sendable, Equatable {
    public var id: String
    public var status: String
    public var videoURL: String?
    public var fileSize: Int64?
    public var contentType: String?
    public var errorMessage: String?
}

/// What the clients report while they work.
public enum APIProgress: Sendable, Equatable {
    case submitted(id: String)
    case status(id: String, status: String, elapsed: Double)
    case retrying(String)
    case downloading(String)
    case refreshingURL
}
