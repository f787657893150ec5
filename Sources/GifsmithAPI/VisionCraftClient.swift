import Foundation

/// VisionCraft's text-to-GIF. The token travels in the JSON body as `token` (no auth header).
public struct VisionCraftClient: Sendable {
    public static let defaultBaseURL = "https://api.visioncraft.top"

    public var baseURL: String
    public var token: APISecret
    public var http: HTTPClient

    public init(baseURL: String = VisionCraftClient.defaultBaseURL, token: APISecret, http: HTTPClient = HTTPClient()) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        var http = http
        http.secrets.append(token.value)
        self.http = http
    }

    /// Asks for a GIF; returns its URL. Errors (422 `detail`, `{error}`, 403 bad token) become `APIError`.
    public func generateGIF(prompt: String, negativePrompt: String? = nil, sampler: String = "Euler a",
                            cfgScale: Int = 10, steps: Int = 30) throws -> String {
        guard !prompt.isEmpty else { throw APIError(.invalidInput, "the prompt is empty") }
        guard (0...20).contains(cfgScale) else { throw APIError(.invalidInput, "cfg_scale \(cfgScale) is outside 0...20") }
        guard (1...50).contains(steps) else { throw APIError(.invalidInput, "steps \(steps) is outside 1...50") }
        var body: [String: Any] = ["token": token.value, "sampler": sampler, "prompt": prompt, "cfg_scale": cfgScale, "steps": steps]
        if let negativePrompt { body["negative_prompt"] = negativePrompt }
        let request = HTTPRequest(method: "POST", url: baseURL + "/generate-gif",
                                  headers: [("Content-Type", "application/json"), ("Accept", "application/json")], body: JSON.encode(body))
        do {
            let r = try http.send(request)
            let o = try AIMLClient.decode(r, what: "VisionCraft generate-gif")
            if let e = JSON.errorMessage(o), o["images"] == nil { throw APIError(.jobFailed, "VisionCraft: \(e)") }
            guard let images = o["images"] as? [Any], let url = images.first.flatMap(JSON.string), !url.isEmpty else {
                throw APIError(.badResponse, "VisionCraft generate-gif: the answer holds no image URL")
            }
            return url
        } catch let e as APIError {
            throw e.redacting([token.value])
        }
    }

    /// Downloads the GIF at `url` to `path`, refusing anything that is not a GIF (an error page saved as .gif).
    public func downloadGIF(_ url: String, to path: String, maxBytes: Int64 = 100 << 20) throws -> HTTPClient.Download {
        let d = try http.download(url, to: path, maxBytes: maxBytes, acceptedTypes: ["image/gif", "application/octet-stream"])
        let head = FileManager.default.contents(atPath: path)?.prefix(6) ?? Data()
        guard head.starts(with: Data("GIF8".utf8)) else {
            unlink(path)
            throw APIError(.download, "\(HTTPClient.describe(url)) did not send a GIF")
        }
        return d
    }
}
