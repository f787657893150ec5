import Foundation

/// How a job is waited for: the interval grows by `factor` up to `maxInterval`; past
/// `deadline` seconds the wait fails.
public struct PollPolicy: Sendable, Equatable {
    public var deadline: Double
    public var initialInterval: Double
    public var maxInterval: Double
    public var factor: Double
    /// Fresh URLs asked for when a download answers 403 (an expired signed URL).
    public var urlRefreshes: Int

    public init(deadline: Double = 20 * 60, initialInterval: Double = 10, maxInterval: Double = 60, factor: Double = 1.5, urlRefreshes: Int = 3) {
        self.deadline = deadline
        self.initialInterval = initialInterval
        self.maxInterval = maxInterval
        self.factor = factor
        self.urlRefreshes = urlRefreshes
    }
}

/// The AI/ML API: images, Kling and magic image-to-video, chat completions.
public struct AIMLClient: Sendable {
    public static let defaultBaseURL = "https://api.aimlapi.com"

    public var baseURL: String
    public var key: APISecret
    public var http: HTTPClient
    public var poll: PollPolicy
    /// Largest video accepted for download.
    public var maxVideoBytes: Int64

    public init(baseURL: String = AIMLClient.defaultBaseURL, key: APISecret, http: HTTPClient = HTTPClient(),
                poll: PollPolicy = PollPolicy(), maxVideoBytes: Int64 = 512 << 20) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.key = key
        var http = http
        http.secrets.append(key.value)
        self.http = http
        self.poll = poll
        self.maxVideoBytes = maxVideoBytes
    }

    // MARK: transport

    private func call(_ method: String, _ path: String, body: [String: Any]? = nil, deadline: Date? = nil) throws -> [String: Any] {
        var headers: [(name: String, value: String)] = [("Authorization", "Bearer \(key.value)"), ("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let request = HTTPRequest(method: method, url: baseURL + path, headers: headers, body: body.map(JSON.encode))
        do {
            let response = try http.send(request, deadline: deadline)
            return try AIMLClient.decode(response, what: "\(method) \(path.split(separator: "?").first ?? "")")
        } catch let e as APIError {
            throw e.redacting([key.value])
        }
    }

    /// The JSON object of a 2xx answer, or the error it stands for.
    static func decode(_ r: HTTPResponse, what: String) throws -> [String: Any] {
        let type = r.mediaType ?? ""
        let object = JSON.object(r.body)
        if !r.isSuccess {
            let serverMessage: String
            if let object, let m = JSON.errorMessage(object) { serverMessage = m }
            else if type.contains("html") || r.bodyText.lowercased().contains("<html") { serverMessage = "the server sent an HTML page" }
            else { serverMessage = String(r.bodyText.prefix(200)) }
            let kind: APIError.Kind = (r.status == 401 || r.status == 403) ? .unauthorized : .http(status: r.status)
            let hint = r.status == 401 ? " (check AIMLAPI_KEY)" : ""
            throw APIError(kind, "\(what): HTTP \(r.status): \(serverMessage.isEmpty ? "no message" : serverMessage)\(hint)")
        }
        guard let object else {
            if type.contains("html") || r.bodyText.lowercased().contains("<html") {
                throw APIError(.badResponse, "\(what): the server sent an HTML page instead of JSON (HTTP \(r.status))")
            }
            throw APIError(.badResponse, "\(what): the answer is not a JSON object (HTTP \(r.status), \(r.body.count) bytes)")
        }
        return object
    }

    // MARK: images

    /// Generates images; parses both documented answer shapes (`images[]` and `data[]`).
    public func generateImage(_ request: ImageRequest) throws -> [GeneratedImage] {
        try request.validate()
        let o = try call("POST", "/v1/images/generations", body: request.json)
        var out: [GeneratedImage] = []
        if let images = o["images"] as? [[String: Any]] {
            for i in images {
                out.append(GeneratedImage(url: JSON.string(i["url"]), base64: nil, width: JSON.int(i["width"]),
                                          height: JSON.int(i["height"]), contentType: JSON.string(i["content_type"])))
            }
        } else if let data = o["data"] as? [[String: Any]] {
            for i in data {
                out.append(GeneratedImage(url: JSON.string(i["url"]), base64: JSON.string(i["b64_json"]), width: nil, height: nil, contentType: nil))
            }
        }
        out = out.filter { $0.url != nil || $0.base64 != nil }
        guard !out.isEmpty else { throw APIError(.badResponse, "POST /v1/images/generations: the answer holds no image") }
        return out
    }

    /// Saves one generated image to `path` (atomically): downloads its URL or decodes its Base64.
    public func save(_ image: GeneratedImage, to path: String, maxBytes: Int64 = 50 << 20) throws -> Int64 {
        if let b64 = image.base64 {
            guard let data = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
                throw APIError(.badResponse, "the image's b64_json is not Base64")
            }
            try AtomicFile.write(data, to: path)
            return Int64(data.count)
        }
        guard let url = image.url else { throw APIError(.badResponse, "the image has neither url nor b64_json") }
        if url.hasPrefix("data:") {
            guard let comma = url.firstIndex(of: ","), let data = Data(base64Encoded: String(url[url.index(after: comma)...])) else {
                throw APIError(.badResponse, "the image's data URL cannot be decoded")
            }
            try AtomicFile.write(data, to: path)
            return Int64(data.count)
        }
        // Shape A labels PNGs image/jpeg, so only "an image" is checked here.
        return try http.download(url, to: path, maxBytes: maxBytes, acceptedTypes: ["image/"]).bytes
    }

    // MARK: video

    /// Submits a Kling image-to-video job.
    public func submitVideo(_ request: KlingRequest, endpoint: VideoEndpoint = .legacy) throws -> VideoJob {
        try request.validate()
        return try submit(request.json, endpoint: endpoint)
    }

    /// Submits a `magic/image-to-video` job (universal endpoint) for a checked template.
    public func submitTemplate(imageURL: String, template: MagicTemplate) throws -> VideoJob {
        guard !imageURL.isEmpty else { throw APIError(.invalidInput, "image_url is required") }
        return try submit(["model": "magic/image-to-video", "image_url": imageURL, "template": template.rawValue], endpoint: .universal)
    }

    private func submit(_ body: [String: Any], endpoint: VideoEndpoint) throws -> VideoJob {
        let o = try call("POST", endpoint.path, body: body)
        guard let id = JSON.string(o["id"]), !id.isEmpty else {
            throw APIError(.badResponse, "POST \(endpoint.path): the answer has no job id")
        }
        if JSON.string(o["status"]) == "error" {
            throw APIError(.jobFailed, "job \(id) failed at once: \(JSON.errorMessage(o) ?? "no message")")
        }
        return VideoJob(id: id, status: JSON.string(o["status"]) ?? "queued", endpoint: endpoint)
    }

    /// One poll of a job.
    public func fetchVideo(id: String, endpoint: VideoEndpoint, deadline: Date? = nil) throws -> VideoStatus {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~")
        let q = id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
        let o = try call("GET", endpoint.path + "?generation_id=" + q, deadline: deadline)
        guard let status = JSON.string(o["status"]) else {
            throw APIError(.badResponse, "job \(id): the poll answer has no status")
        }
        let video = o["video"] as? [String: Any]
        var message: String? = nil
        if status == "error" { message = JSON.errorMessage(o) ?? "no message from the server" }
        return VideoStatus(id: JSON.string(o["id"]) ?? id, status: status, videoURL: video.flatMap { JSON.string($0["url"]) },
                           fileSize: video.flatMap { JSON.int($0["file_size"]) }.map(Int64.init),
                           contentType: video.flatMap { JSON.string($0["content_type"]) }, errorMessage: message)
    }

    /// Polls until the job completes. `error` fails with the server's message; a status outside
    /// the documented lifecycle fails too, never passes for success.
    public func waitForVideo(_ job: VideoJob, progress: (APIProgress) -> Void = { _ in }) throws -> VideoStatus {
        let start = Date()
        let deadline = start.addingTimeInterval(poll.deadline)
        var interval = poll.initialInterval
        var emptyCompletions = 0
        while true {
            let s = try fetchVideo(id: job.id, endpoint: job.endpoint, deadline: deadline)
            progress(.status(id: job.id, status: s.status, elapsed: Date().timeIntervalSince(start)))
            guard let status = JobStatus(rawValue: s.status) else {
                throw APIError(.jobFailed, "job \(job.id) reported the unknown status '\(s.status)'; not treating it as done")
            }
            switch status {
            case .completed:
                if s.videoURL != nil { return s }
                // `video: null` on completion is a server glitch; ask again a few times.
                emptyCompletions += 1
                if emptyCompletions >= 3 { throw APIError(.badResponse, "job \(job.id) completed without a video URL") }
            case .error:
                throw APIError(.jobFailed, "job \(job.id) failed: \(s.errorMessage ?? "no message")")
            default: break
            }
            if Date().addingTimeInterval(interval) > deadline {
                throw APIError(.timeout, "job \(job.id) was still '\(s.status)' after \(Int(poll.deadline)) s (the deadline)")
            }
            Thread.sleep(forTimeInterval: interval)
            interval = min(poll.maxInterval, interval * poll.factor)
        }
    }

    /// Waits for the job and downloads its video to `path`, checking `file_size` and the
    /// content type. A 403 from the video URL (a signed URL that expired) polls again for a fresh one.
    public func downloadVideo(_ job: VideoJob, to path: String, progress: (APIProgress) -> Void = { _ in }) throws -> HTTPClient.Download {
        var status = try waitForVideo(job, progress: progress)
        var refreshes = 0
        while true {
            guard let url = status.videoURL else { throw APIError(.badResponse, "job \(job.id) has no video URL") }
            progress(.downloading(HTTPClient.describe(url)))
            do {
                return try http.download(url, to: path, maxBytes: maxVideoBytes, expectedBytes: status.fileSize,
                                         acceptedTypes: ["video/", "application/octet-stream", "binary/octet-stream"])
            } catch let e as APIError where e.httpStatus == 403 && refreshes < poll.urlRefreshes {
                refreshes += 1
                progress(.refreshingURL)
                status = try waitForVideo(job, progress: progress)
            }
        }
    }

    // MARK: chat

    /// One chat completion with an optional image part; returns the assistant's text.
    public func chat(prompt: String, imageURL: String? = nil, system: String? = nil, model: String = "gpt-4o", maxTokens: Int = 300) throws -> String {
        var content: [[String: Any]] = [["type": "text", "text": prompt]]
        if let imageURL { content.append(["type": "image_url", "image_url": ["url": imageURL, "detail": "low"]]) }
        var messages: [[String: Any]] = []
        if let system { messages.append(["role": "system", "content": system]) }
        messages.append(["role": "user", "content": content])
        let o = try call("POST", "/v1/chat/completions", body: ["model": model, "messages": messages, "max_tokens": maxTokens])
        guard let choices = o["choices"] as? [[String: Any]], let first = choices.first,
              let message = first["message"] as? [String: Any] else {
            throw APIError(.badResponse, "chat completion: the answer has no choices")
        }
        if let refusal = JSON.string(message["refusal"]), !refusal.isEmpty {
            throw APIError(.jobFailed, "the chat model refused: \(refusal)")
        }
        guard let text = JSON.string(message["content"])?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            throw APIError(.badResponse, "chat completion: the answer is empty (finish_reason \(JSON.string(first["finish_reason"]) ?? "none"))")
        }
        return text
    }

    /// A short motion prompt for a video model, written by the chat model from the picture.
    public func motionPrompt(imageURL: String) throws -> String {
        try chat(prompt: "Write one short prompt (under 60 words) for an image-to-video model that brings this picture to life with gentle, "
                 + "looping motion. Describe only the motion and camera; no preamble.", imageURL: imageURL)
    }
}

/// Atomic small-file writes: a temporary file beside the target, then rename.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do { try data.write(to: url, options: .atomic) } catch {
            throw APIError(.io, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
