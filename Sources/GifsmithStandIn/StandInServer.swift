import Foundation
import Gifsmith
import GifsmithMedia

/// A local stand-in for the AI/ML API and VisionCraft: a real HTTP/1.1 server on 127.0.0.1
/// with the documented endpoints, validation, error bodies and job lifecycle, real PNG, MP4
/// and GIF outputs, and injectable faults. Downloads are served by the same server.
public final class StandInServer: @unchecked Sendable {
    public let options: StandInOptions
    private var server: LoopbackHTTPServer!
    private let lock = NSLock()
    private var faults: [(route: StandInRoute, fault: StandInFault, left: Int)] = []
    private var jobs: [String: Job] = [:]
    private var files: [String: (data: Data, type: String)] = [:]
    private var counts: [StandInRoute: Int] = [:]
    private var log: [String] = []
    private var nextID = 1
    private let workDir: String

    final class Job: @unchecked Sendable {
        let id: String
        let endpoint: String
        let head: Canvas
        let tail: Canvas?
        let duration: Int
        let template: String?
        var polls = 0
        var failed: StandInFault?
        var videoName: String?
        init(id: String, endpoint: String, head: Canvas, tail: Canvas?, duration: Int, template: String?) {
            self.id = id; self.endpoint = endpoint; self.head = head; self.tail = tail; self.duration = duration; self.template = template
        }
    }

    /// Starts listening on 127.0.0.1 (`port` 0 picks a free one).
    public init(options: StandInOptions = StandInOptions(), port: Int = 0) throws {
        self.options = options
        workDir = NSTemporaryDirectory() + "gifsmith-standin-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        server = try LoopbackHTTPServer(port: port, stallSeconds: options.stallSeconds) { [weak self] req in
            // A connection that outlives the stand-in object gets a plain 503.
            self?.handle(req) ?? .text(503, "the stand-in is shutting down", type: "text/plain")
        }
    }

    deinit { stop() }

    public var port: Int { server.port }
    /// `http://127.0.0.1:<port>`: the base URL of both APIs.
    public var baseURL: String { "http://127.0.0.1:\(server.port)" }

    /// Blocks the calling thread until `stop()` is called (for `gifsmith standin`).
    public func serveUntilStopped() {
        while !(server?.isStopped ?? true) { Thread.sleep(forTimeInterval: 0.2) }
    }

    /// The endpoints served, one per line, for a banner on start.
    public var endpointSummary: String {
        [
            "POST \(baseURL)/v1/images/generations            flux/schnell (Bearer key)",
            "POST \(baseURL)/v2/generate/video/kling/generation Kling image-to-video (legacy); GET ?generation_id=",
            "POST \(baseURL)/v2/video/generations              Kling + magic/image-to-video (universal); GET ?generation_id=",
            "POST \(baseURL)/v1/chat/completions               gpt-4o (also /chat/completions)",
            "POST \(baseURL)/generate-gif                      VisionCraft (token in the body)",
            "GET  \(baseURL)/files/...                         downloads (signed, expiring)",
        ].joined(separator: "\n")
    }

    public func stop() {
        server?.stop()
        try? FileManager.default.removeItem(atPath: workDir)
    }

    /// Makes the next `times` requests on `route` misbehave as `fault`.
    public func inject(_ fault: StandInFault, on route: StandInRoute, times: Int = 1) {
        lock.withLock { faults.append((route, fault, times)) }
    }

    /// Requests served on `route` so far.
    public func requests(on route: StandInRoute) -> Int { lock.withLock { counts[route] ?? 0 } }

    /// "METHOD /path status" per request: what the server would log (never headers or bodies).
    public var requestLog: [String] { lock.withLock { log } }

    private func takeFault(_ route: StandInRoute) -> StandInFault? {
        lock.withLock {
            guard let i = faults.firstIndex(where: { ($0.route == route || $0.route == .any) && $0.left > 0 }) else { return nil }
            faults[i].left -= 1
            let f = faults[i].fault
            if faults[i].left == 0 { faults.remove(at: i) }
            return f
        }
    }

    // MARK: dispatch

    private func handle(_ req: StandInRequest) -> StandInResponse {
        let route: StandInRoute
        switch (req.method, req.path) {
        case ("POST", "/v1/images/generations"): route = .images
        case ("POST", "/v2/generate/video/kling/generation"), ("POST", "/v2/video/generations"): route = .videoSubmit
        case ("GET", "/v2/generate/video/kling/generation"), ("GET", "/v2/video/generations"): route = .videoPoll
        case ("POST", "/v1/chat/completions"), ("POST", "/chat/completions"): route = .chat
        case ("POST", "/generate-gif"): route = .visionCraft
        case ("GET", _) where req.path.hasPrefix("/files/"), ("HEAD", _) where req.path.hasPrefix("/files/"): route = .download
        default:
            return record(req, aimlError(404, "Cannot \(req.method) \(req.path)", path: req.path))
        }
        lock.withLock { counts[route, default: 0] += 1 }
        let response: StandInResponse
        let fault = takeFault(route)
        switch fault {
        case let .status(code, retryAfter)?:
            var r = code == 502 ? .text(502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>", type: "text/html")
                : route == .visionCraft ? .json(code, ["error": StandInServer.message(code)])
                : aimlError(code, StandInServer.message(code), path: req.path)
            if let retryAfter { r.headers.append(("Retry-After", "\(retryAfter)")) }
            response = r
        case .htmlBody?:
            response = .text(200, "<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>", type: "text/html; charset=utf-8")
        case .malformedJSON?:
            response = .text(200, "{\"id\":\"abc\",\"status\":\"compl", type: "application/json")
        default:
            response = serve(route, req, fault: fault)
        }
        return record(req, response)
    }

    private func record(_ req: StandInRequest, _ r: StandInResponse) -> StandInResponse {
        lock.withLock { log.append("\(req.method) \(req.path) \(r.status)") }
        return r
    }

    private func serve(_ route: StandInRoute, _ req: StandInRequest, fault: StandInFault?) -> StandInResponse {
        if route == .download { return download(req, fault: fault) }
        if route == .visionCraft { return visionCraft(req) }
        if let denied = authorize(req) { return denied }
        switch route {
        case .images: return images(req)
        case .videoSubmit: return submit(req)
        case .videoPoll: return poll(req, fault: fault)
        case .chat: return chat(req)
        default: return aimlError(404, "not found", path: req.path)
        }
    }

    // MARK: errors and auth

    static func message(_ code: Int) -> String {
        switch code {
        case 400: return "Body validation error"
        case 401: return "This request requires a valid API key. You can create a new API key on the Billing page: https://aimlapi.com/app/keys"
        case 403: return "You've run out of credits. Please top up your balance"
        case 404: return "Not found"
        case 429: return "Too Many Requests"
        case 500: return "Internal server error"
        case 503: return "Service unavailable"
        case 504: return "Generation timeout"
        default: return "Error \(code)"
        }
    }

    private func aimlError(_ code: Int, _ message: String, path: String) -> StandInResponse {
        // The documented example writes statusCode as a string, the captured 401 as a number.
        let statusCode: Any = code == 429 ? "\(code)" : code
        return .json(code, ["message": message, "path": path, "requestId": String(UInt64.random(in: 0...UInt64.max), radix: 36),
                            "statusCode": statusCode, "timestamp": ISO8601DateFormatter().string(from: Date())])
    }

    private func authorize(_ req: StandInRequest) -> StandInResponse? {
        let auth = req.headers["authorization"] ?? ""
        let key = auth.hasPrefix("Bearer ") ? String(auth.dropFirst(7)) : ""
        if options.noCreditKeys.contains(key) { return aimlError(403, StandInServer.message(403), path: req.path) }
        if !options.validKeys.contains(key) { return aimlError(401, StandInServer.message(401), path: req.path) }
        return nil
    }

    private func body(_ req: StandInRequest) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: req.body)) as? [String: Any]
    }

    private func invalid(_ detail: String, _ req: StandInRequest) -> StandInResponse {
        aimlError(400, "Body validation error: \(detail)", path: req.path)
    }

    private func ok(_ object: Any) -> StandInResponse { .json(options.postStatus, object) }

    // MARK: files

    private func newID() -> String {
        lock.withLock {
            defer { nextID += 1 }
            return String(format: "%08x-%04x", UInt32.random(in: 0...UInt32.max), nextID)
        }
    }

    /// Stores `data` and returns a signed-looking URL that expires after `urlLifetime`.
    func publish(_ data: Data, name: String, type: String) -> String {
        let key = "\(newID())/\(name)"
        lock.withLock { files[key] = (data, type) }
        let stamp = Int(Date().timeIntervalSince1970)
        return "\(baseURL)/files/\(key)?X-Amz-Date=\(stamp)&X-Amz-Expires=\(Int(options.urlLifetime))&X-Amz-Signature=\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
    }

    private func download(_ req: StandInRequest, fault: StandInFault?) -> StandInResponse {
        let key = String(req.path.dropFirst("/files/".count))
        guard let file = lock.withLock({ files[key] }) else {
            return .text(404, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code></Error>", type: "application/xml")
        }
        let issued = Double(req.query["X-Amz-Date"] ?? "") ?? 0
        let lifetime = Double(req.query["X-Amz-Expires"] ?? "") ?? 0
        if fault == .expiredURL || Date().timeIntervalSince1970 > issued + lifetime {
            return .text(403, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", type: "application/xml")
        }
        var r = StandInResponse(status: 200, headers: [("Content-Type", file.type)], body: file.data)
        switch fault {
        case .stallDownload?: r.delivery = .stall
        case .resetDownload?: r.delivery = .reset
        case .wrongContentType?: r.headers = [("Content-Type", "text/html")]
        default: break
        }
        return r
    }

    /// The picture behind an `image_url`: a data URL or a file this server published.
    private func loadImage(_ url: String) -> Result<Canvas, StandInError> {
        var data: Data?
        if url.hasPrefix("data:") {
            guard let comma = url.firstIndex(of: ",") else { return .failure(StandInError("image_url is not a valid data URL")) }
            data = Data(base64Encoded: String(url[url.index(after: comma)...]), options: .ignoreUnknownCharacters)
        } else if url.hasPrefix(baseURL + "/files/") {
            let key = String(url.dropFirst((baseURL + "/files/").count).split(separator: "?").first ?? "")
            data = lock.withLock { files[key]?.data }
        } else if !url.hasPrefix("http") {
            // Raw Base64 without the data: prefix, as native Kling takes it.
            data = Data(base64Encoded: url, options: .ignoreUnknownCharacters)
        } else {
            return .failure(StandInError("the stand-in cannot fetch \(url) (offline)"))
        }
        guard let data, data.count > 8 else { return .failure(StandInError("image_url holds no image")) }
        let png = data.starts(with: [0x89, 0x50, 0x4E, 0x47]), jpeg = data.starts(with: [0xFF, 0xD8])
        guard png || jpeg else { return .failure(StandInError("image_url must be a JPEG or PNG image")) }
        let path = workDir + "/in-\(newID())" + (png ? ".png" : ".jpg")
        defer { unlink(path) }
        guard FileManager.default.createFile(atPath: path, contents: data) else { return .failure(StandInError("cannot store the image")) }
        do { return .success(Canvas(try StillImage.load(path))) } catch { return .failure(StandInError("the image cannot be decoded: \(error)")) }
    }

    // MARK: images

    private func images(_ req: StandInRequest) -> StandInResponse {
        guard let b = body(req) else { return invalid("the body is not JSON", req) }
        guard (b["model"] as? String) == "flux/schnell" else {
            return invalid("Invalid enum value. Expected 'flux/schnell', received '\(b["model"] as? String ?? "")'", req)
        }
        guard let prompt = b["prompt"] as? String, !prompt.isEmpty, prompt.count <= 4000 else { return invalid("prompt: Required", req) }
        var w = 1024, h = 768
        if let size = b["image_size"] as? [String: Any] {
            w = (size["width"] as? Int) ?? 0
            h = (size["height"] as? Int) ?? 0
            if options.enforceImageSize, !(64...1536).contains(w) || !(64...1536).contains(h) || w % 32 != 0 || h % 32 != 0 {
                return invalid("image_size: width and height must be multiples of 32 within 64...1536", req)
            }
        } else if let preset = b["image_size"] as? String {
            let presets = ["square_hd": (1024, 1024), "square": (512, 512), "portrait_4_3": (768, 1024), "portrait_16_9": (576, 1024),
                           "landscape_4_3": (1024, 768), "landscape_16_9": (1024, 576)]
            guard let p = presets[preset] else { return invalid("image_size: Invalid enum value '\(preset)'", req) }
            (w, h) = p
        }
        let n = (b["num_images"] as? Int) ?? 1
        guard (1...4).contains(n) else { return invalid("num_images: must be 1...4", req) }
        var entries: [[String: Any]] = []
        for i in 0..<n {
            let canvas = PromptPainter.paint(prompt: i == 0 ? prompt : "\(prompt) #\(i)", width: w, height: h)
            guard let png = try? MediaEncoders.png(canvas) else { return aimlError(500, "Internal server error", path: req.path) }
            switch options.imageShape {
            case .a: entries.append(["url": publish(png, name: "image.png", type: "image/png"), "width": w, "height": h, "content_type": "image/jpeg"])
            case .b: entries.append(["url": publish(png, name: "image.png", type: "image/png")])
            case .bBase64: entries.append(["b64_json": png.base64EncodedString()])
            }
        }
        if options.imageShape == .a {
            return ok(["images": entries, "timings": ["inference": 0.01], "seed": (b["seed"] as? Int) ?? 42, "has_nsfw_concepts": [false], "prompt": prompt])
        }
        return ok(["data": entries, "meta": ["usage": ["credits_used": 3150]]])
    }

    // MARK: video

    private static let klingModels = ["kling-video/v1/standard/image-to-video", "kling-video/v1/pro/image-to-video",
                                      "kling-video/v1.6/standard/image-to-video", "kling-video/v1.6/pro/image-to-video"]
    /// The documented enum of `magic/image-to-video` templates.
    public static let templates = ["Thailand Street", "Times Square Billboard", "New York Times Square (77)", "Phone Social", "Art Gallery",
                                   "New York Times Square (66)", "Dubai Museum", "Digital Float", "Rotating Cards", "Desktop Reveal",
                                   "Egypt Pyramid", "Frames Drop", "Cappadocia Balloons", "Times Square Round Screen", "Stockholm Metro",
                                   "Tokyo Billboard", "San Francisco Skyscrapers", "Malaysia Shop", "Las Vegas LED", "Phone App", "Paris Eiffel Tower"]

    private func submit(_ req: StandInRequest) -> StandInResponse {
        guard let b = body(req) else { return invalid("the body is not JSON", req) }
        let model = b["model"] as? String ?? ""
        let universal = req.path == "/v2/video/generations"
        let allowed = StandInServer.klingModels + (universal ? ["magic/image-to-video"] : [])
        guard allowed.contains(model) else {
            return invalid("Invalid enum value. Expected " + allowed.map { "'\($0)'" }.joined(separator: " | ") + ", received '\(model)'", req)
        }
        guard let imageURL = b["image_url"] as? String, !imageURL.isEmpty else { return invalid("image_url: Required", req) }
        var duration = 5
        var template: String? = nil
        var tail: Canvas? = nil
        if model == "magic/image-to-video" {
            template = (b["template"] as? String) ?? "Thailand Street"
            guard StandInServer.templates.contains(template!) else {
                return invalid("template: Invalid enum value. Expected " + StandInServer.templates.map { "'\($0)'" }.joined(separator: " | ") + ", received '\(template!)'", req)
            }
        } else {
            if let d = b["duration"] {
                // The docs send both 5 and "5".
                let v = (d as? Int) ?? Int((d as? String) ?? "")
                guard let v, v == 5 || v == 10 else { return invalid("duration: Expected 5 | 10", req) }
                duration = v
            }
            if let c = b["cfg_scale"] {
                guard let v = c as? Double, v >= 0, v <= 1 else { return invalid("cfg_scale: Number must be within 0...1", req) }
            }
            if let p = b["prompt"], !(p is String) || (p as! String).count > 2500 { return invalid("prompt: Expected a string of at most 2500 characters", req) }
            let hasMasks = b["static_mask_url"] != nil || b["dynamic_masks"] != nil
            if hasMasks && model.contains("v1.6") { return invalid("static_mask_url and dynamic_masks are for v1 models only", req) }
            if let masks = b["dynamic_masks"] {
                guard let list = masks as? [[String: Any]], list.count <= 6,
                      list.allSatisfy({ ($0["mask_url"] is String) && (($0["trajectories"] as? [[String: Any]])?.count ?? 0) >= 2 }) else {
                    return invalid("dynamic_masks: each needs mask_url and 2...77 trajectories", req)
                }
            }
            if let t = b["tail_image_url"] as? String {
                switch loadImage(t) {
                case let .success(c): tail = c
                case let .failure(m): return invalid("tail_image_url: \(m.message)", req)
                }
            }
        }
        let head: Canvas
        switch loadImage(imageURL) {
        case let .success(c): head = c
        case let .failure(m): return invalid("image_url: \(m.message)", req)
        }
        let id = newID() + ":" + model
        let job = Job(id: id, endpoint: req.path, head: head, tail: tail, duration: duration, template: template)
        lock.withLock { jobs[id] = job }
        var answer: [String: Any] = ["id": id, "status": "queued"]
        if universal { answer["meta"] = ["usage": ["credits_used": 1_050_000]] }
        return ok(answer)
    }

    private func poll(_ req: StandInRequest, fault: StandInFault?) -> StandInResponse {
        guard let id = req.query["generation_id"], !id.isEmpty else {
            return aimlError(400, "Query validation error! generation_id: Required", path: req.path)
        }
        guard let job = lock.withLock({ jobs[id] }) else { return aimlError(404, "Generation \(id) not found", path: req.path) }
        let universal = req.path == "/v2/video/generations"
        var answer: [String: Any] = ["id": id]
        if universal { answer["video"] = NSNull(); answer["error"] = NSNull(); answer["meta"] = NSNull() }
        let state: (polls: Int, failed: StandInFault?) = lock.withLock {
            if fault == .jobErrorMessage || fault == .jobErrorDetail { job.failed = fault }
            if fault != .regressToQueued && fault != .completedWithoutVideo { job.polls += 1 }
            return (job.polls, job.failed)
        }
        if let failed = state.failed {
            answer["status"] = "error"
            answer["error"] = failed == .jobErrorDetail
                ? ["detail": [["loc": ["body", "image_url"], "msg": "Could not detect face in the image", "type": "face_detection_error", "input": "…"]]]
                : ["name": "GenerationError", "message": "The generation failed: content moderation rejected the input"]
            return .json(200, answer)
        }
        if case let .unknownStatus(s)? = fault { answer["status"] = s; return .json(200, answer) }
        if fault == .regressToQueued { answer["status"] = "queued"; return .json(200, answer) }
        if fault == .completedWithoutVideo { answer["status"] = "completed"; answer["video"] = NSNull(); return .json(200, answer) }
        if state.polls <= options.queuedPolls { answer["status"] = "queued"; return .json(200, answer) }
        if state.polls <= options.queuedPolls + options.generatingPolls { answer["status"] = "generating"; return .json(200, answer) }
        guard let name = render(job) else { return aimlError(500, "Internal server error", path: req.path) }
        let data = lock.withLock { files[name]!.data }
        // A fresh signature on every poll: a re-poll refreshes an expired URL.
        let url = "\(baseURL)/files/\(name)?X-Amz-Date=\(Int(Date().timeIntervalSince1970))&X-Amz-Expires=\(Int(options.urlLifetime))&X-Amz-Signature=\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        answer["status"] = "completed"
        answer["video"] = universal ? ["url": url] : ["url": url, "content_type": "video/mp4", "file_name": "output.mp4", "file_size": data.count]
        if universal { answer["meta"] = ["usage": ["credits_used": 1_050_000]] }
        return .json(200, answer)
    }

    /// Renders the job's MP4 once and returns its file key.
    private func render(_ job: Job) -> String? {
        if let name = lock.withLock({ job.videoName }) { return name }
        var head = job.head
        if let template = job.template {
            // A "billboard": the picture inset on a backdrop painted from the template's name.
            var stage = PromptPainter.paint(prompt: template, width: 480, height: 270)
            let inset = head.resized(width: 240, height: 160)
            for y in 0..<160 {
                for x in 0..<240 {
                    let s = (y * 240 + x) * 3, d = ((y + 55) * 480 + x + 120) * 3
                    stage.rgb[d] = inset.rgb[s]; stage.rgb[d + 1] = inset.rgb[s + 1]; stage.rgb[d + 2] = inset.rgb[s + 2]
                }
            }
            head = stage
        }
        // Fit within maxVideoSide, even sides.
        let side = max(head.width, head.height)
        let scale = min(1.0, Double(options.maxVideoSide) / Double(side))
        let w = max(2, Int(Double(head.width) * scale) & ~1), h = max(2, Int(Double(head.height) * scale) & ~1)
        let base = head.resized(width: w, height: h)
        let tail = job.tail?.resized(width: w, height: h)
        let count = max(2, options.videoFPS * job.duration)
        let path = workDir + "/video-\(newID()).mp4"
        defer { unlink(path) }
        do {
            try MediaEncoders.mp4(path: path, width: w, height: h, fps: options.videoFPS, count: count) { i in
                Animator.frame(i, of: count, head: base, tail: tail)
            }
        } catch { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let key = "\(newID())/output.mp4"
        lock.withLock {
            files[key] = (data, "video/mp4")
            job.videoName = key
        }
        return key
    }

    // MARK: chat

    private static let chatModels = ["gpt-4o", "openai/gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-2024-05-13"]
    private static let motions = [
        "Slow, gentle push-in with soft light drifting across the scene; subtle parallax; the motion eases back so the clip loops seamlessly.",
        "A calm pan from left to right with a light breeze moving the details; soft, steady camera; loopable.",
        "Gentle breathing zoom, colours shimmering slightly, camera still otherwise; smooth seamless loop.",
        "Soft ripple of light across the picture while the camera floats slowly upward and returns; seamless loop.",
    ]

    private func chat(_ req: StandInRequest) -> StandInResponse {
        guard let b = body(req) else { return invalid("the body is not JSON", req) }
        let model = b["model"] as? String ?? ""
        guard StandInServer.chatModels.contains(model) else { return invalid("model: Invalid enum value, received '\(model)'", req) }
        guard let messages = b["messages"] as? [[String: Any]], !messages.isEmpty else { return invalid("messages: Required", req) }
        var seed: UInt64 = 1469598103934665603
        var sawImage = false
        for m in messages {
            if let parts = m["content"] as? [[String: Any]] {
                for p in parts {
                    if p["type"] as? String == "image_url" {
                        guard let url = (p["image_url"] as? [String: Any])?["url"] as? String, !url.isEmpty else {
                            return invalid("image_url.url: Required", req)
                        }
                        sawImage = true
                        for c in url.utf8.suffix(4096) { seed = (seed ^ UInt64(c)) &* 1099511628211 }
                    }
                }
            }
        }
        let text = sawImage ? StandInServer.motions[Int(seed % UInt64(StandInServer.motions.count))]
            : "Describe the picture you want animated and I will write a motion prompt."
        return .json(200, [
            "id": "chatcmpl-\(newID())", "object": "chat.completion", "created": Int(Date().timeIntervalSince1970), "model": model,
            "choices": [["index": 0, "message": ["role": "assistant", "content": text, "refusal": NSNull(), "annotations": []], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": 85, "completion_tokens": 30, "total_tokens": 115],
        ])
    }

    // MARK: VisionCraft

    private func visionCraft(_ req: StandInRequest) -> StandInResponse {
        guard let b = body(req) else {
            return .json(422, ["detail": [["loc": ["body"], "msg": "value is not a valid dict", "type": "type_error.dict"]]])
        }
        var missing: [[String: Any]] = []
        for field in ["token", "sampler", "prompt"] where !((b[field] as? String).map { !$0.isEmpty } ?? false) {
            missing.append(["loc": ["body", field], "msg": "field required", "type": "value_error.missing"])
        }
        if !missing.isEmpty { return .json(422, ["detail": missing]) }
        guard options.visionCraftTokens.contains(b["token"] as! String) else { return .json(403, ["error": "Invalid token"]) }
        if let c = b["cfg_scale"], !((c as? Double).map { (0...20).contains($0) } ?? false) {
            return .json(422, ["detail": [["loc": ["body", "cfg_scale"], "msg": "ensure this value is within 0...20", "type": "value_error"]]])
        }
        if let s = b["steps"], !((s as? Int).map { (1...50).contains($0) } ?? false) {
            return .json(422, ["detail": [["loc": ["body", "steps"], "msg": "ensure this value is within 1...50", "type": "value_error"]]])
        }
        let prompt = b["prompt"] as! String
        let still = PromptPainter.paint(prompt: prompt, width: 128, height: 128)
        let mp4 = workDir + "/vc-\(newID()).mp4", gif = workDir + "/vc-\(newID()).gif"
        defer { unlink(mp4); unlink(gif) }
        do {
            let count = 12
            try MediaEncoders.mp4(path: mp4, width: 128, height: 128, fps: 8, count: count) { i in
                Animator.frame(i, of: count, head: still, tail: still)
            }
            try Transcoder(options: ConvertOptions(colors: 64, backend: .cpu)).convert(input: mp4, output: gif)
        } catch {
            return .json(500, ["error": "generation failed"])
        }
        guard let data = FileManager.default.contents(atPath: gif) else { return .json(500, ["error": "generation failed"]) }
        return .json(200, ["images": [publish(data, name: "animation.gif", type: "image/gif")]])
    }
}
