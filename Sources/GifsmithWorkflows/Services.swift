import Foundation
import GifsmithAPI
import GifsmithStandIn

/// Where the workflows send their requests, and with which credentials.
public struct ServiceConfig: Sendable {
    public var apiKey: APISecret?
    public var visionCraftToken: APISecret?
    public var aimlBaseURL: String
    public var visionCraftBaseURL: String
    public var http: HTTPClient
    public var poll: PollPolicy
    /// Start an in-process stand-in and use it instead of the remote APIs (no key, no network).
    public var offline: Bool
    /// The stand-in's behaviour in offline mode.
    public var standIn: StandInOptions

    public init(apiKey: APISecret? = nil, visionCraftToken: APISecret? = nil, aimlBaseURL: String = AIMLClient.defaultBaseURL,
                visionCraftBaseURL: String = VisionCraftClient.defaultBaseURL, http: HTTPClient = HTTPClient(),
                poll: PollPolicy = PollPolicy(), offline: Bool = false,
                standIn: StandInOptions = StandInOptions(videoFPS: 12, maxVideoSide: 1280)) {
        self.apiKey = apiKey
        self.visionCraftToken = visionCraftToken
        self.aimlBaseURL = aimlBaseURL
        self.visionCraftBaseURL = visionCraftBaseURL
        self.http = http
        self.poll = poll
        self.offline = offline
        self.standIn = standIn
    }

    /// Keys from `AIMLAPI_KEY` / `VISIONCRAFT_TOKEN` or the given files. A key that is missing
    /// is left nil here and reported by the workflow that needs it.
    public static func fromEnvironment(apiKeyFile: String? = nil, visionCraftTokenFile: String? = nil, offline: Bool = false,
                                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServiceConfig {
        var c = ServiceConfig(offline: offline)
        if !offline {
            if apiKeyFile != nil || environment["AIMLAPI_KEY"] != nil {
                c.apiKey = try APISecret.load(variable: "AIMLAPI_KEY", file: apiKeyFile, environment: environment)
            }
            if visionCraftTokenFile != nil || environment["VISIONCRAFT_TOKEN"] != nil {
                c.visionCraftToken = try APISecret.load(variable: "VISIONCRAFT_TOKEN", file: visionCraftTokenFile, environment: environment)
            }
        }
        return c
    }
}

/// The clients of one workflow run; in offline mode it owns the stand-in and stops it when released.
public final class ServiceSession: @unchecked Sendable {
    public let config: ServiceConfig
    public let standIn: StandInServer?

    public init(_ config: ServiceConfig) throws {
        self.config = config
        standIn = config.offline ? try StandInServer(options: config.standIn) : nil
    }

    deinit { standIn?.stop() }

    public func aiml() throws -> AIMLClient {
        if let standIn {
            return AIMLClient(baseURL: standIn.baseURL, key: APISecret(config.standIn.validKeys.first ?? StandInOptions.defaultKey),
                              http: config.http, poll: config.poll)
        }
        guard let key = config.apiKey else { throw APIError(.missingKey, "no API key: set AIMLAPI_KEY or pass --api-key-file (or use --offline)") }
        return AIMLClient(baseURL: config.aimlBaseURL, key: key, http: config.http, poll: config.poll)
    }

    public func visionCraft() throws -> VisionCraftClient {
        if let standIn {
            return VisionCraftClient(baseURL: standIn.baseURL, token: APISecret(config.standIn.visionCraftTokens.first ?? StandInOptions.defaultToken),
                                     http: config.http)
        }
        guard let token = config.visionCraftToken else {
            throw APIError(.missingKey, "no VisionCraft token: set VISIONCRAFT_TOKEN or pass --token-file (or use --offline)")
        }
        return VisionCraftClient(baseURL: config.visionCraftBaseURL, token: token, http: config.http)
    }
}
