import Foundation

/// How the stand-in behaves when no fault is injected.
public struct StandInOptions: Sendable {
    /// Bearer keys accepted by the AI/ML endpoints.
    public var validKeys: Set<String>
    /// Keys that are known but out of credits (403).
    public var noCreditKeys: Set<String>
    /// VisionCraft tokens accepted.
    public var visionCraftTokens: Set<String>
    /// Polls a job answers `queued`, then `generating`, before `completed`.
    public var queuedPolls: Int
    public var generatingPolls: Int
    /// Frames per second of the stand-in's videos (the clip lasts `duration` seconds).
    public var videoFPS: Int
    /// Longest side of a stand-in video; the input image is scaled down to fit.
    public var maxVideoSide: Int
    /// Which documented image answer shape to send.
    public var imageShape: ImageShape
    /// Reject image sizes that are not multiples of 32 within 64...1536.
    public var enforceImageSize: Bool
    /// Status of a successful POST: the old specs say 201, the new 200.
    public var postStatus: Int
    /// How long signed download URLs stay valid.
    public var urlLifetime: Double
    /// How long a stalled download stays quiet before the server hangs up.
    public var stallSeconds: Double

    public enum ImageShape: String, Sendable { case a, b, bBase64 }

    public static let defaultKey = "standin-key"
    public static let defaultToken = "standin-token"

    public init(validKeys: Set<String> = [StandInOptions.defaultKey], noCreditKeys: Set<String> = [],
                visionCraftTokens: Set<String> = [StandInOptions.defaultToken], queuedPolls: Int = 1, generatingPolls: Int = 1,
                videoFPS: Int = 8, maxVideoSide: Int = 480, imageShape: ImageShape = .a, enforceImageSize: Bool = true,
                postStatus: Int = 201, urlLifetime: Double = 600, stallSeconds: Double = 30) {
        self.validKeys = validKeys
        self.noCreditKeys = noCreditKeys
        self.visionCraftTokens = visionCraftTokens
        self.queuedPolls = queuedPolls
        self.generatingPolls = generatingPolls
        self.videoFPS = videoFPS
        self.maxVideoSide = maxVideoSide
        self.imageShape = imageShape
        self.enforceImageSize = enforceImageSize
        self.postStatus = postStatus
        self.urlLifetime = urlLifetime
        self.stallSeconds = stallSeconds
    }
}

/// A misbehaviour to inject into the next matching requests.
public enum StandInFault: Sendable, Equatable {
    /// Answer with this HTTP status and the documented error body (502 gets an HTML page);
    /// `retryAfter` adds a `Retry-After` header.
    case status(Int, retryAfter: Int? = nil)
    /// 200 with an HTML page.
    case htmlBody
    /// 200 with truncated JSON.
    case malformedJSON
    /// A job poll answers `error` with `{error:{name,message}}` (the schema's shape).
    case jobErrorMessage
    /// A job poll answers `error` with `{error:{detail:[{loc,msg,type}]}}` (the observed shape).
    case jobErrorDetail
    /// A job poll answers this undocumented status.
    case unknownStatus(String)
    /// A job poll answers `completed` with `video: null`.
    case completedWithoutVideo
    /// A job poll answers `queued` again (the order is not monotonic).
    case regressToQueued
    /// A download sends half its body and goes quiet.
    case stallDownload
    /// A download sends half its body and resets the connection.
    case resetDownload
    /// A download answers 403 with S3's XML, as an expired signed URL does.
    case expiredURL
    /// A download is served as text/html.
    case wrongContentType

    /// Parses the CLI's spelling: `401`, `429:5` (Retry-After 5), `html`, `malformed-json`,
    /// `job-error`, `job-error-detail`, `unknown-status`, `no-video`, `regress`, `stall`, `reset`,
    /// `expire`, `wrong-type`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":").map(String.init)
        if let code = Int(parts[0]) {
            self = .status(code, retryAfter: parts.count > 1 ? Int(parts[1]) : nil)
            return
        }
        switch parts[0] {
        case "html": self = .htmlBody
        case "malformed-json": self = .malformedJSON
        case "job-error": self = .jobErrorMessage
        case "job-error-detail": self = .jobErrorDetail
        case "unknown-status": self = .unknownStatus(parts.count > 1 ? parts[1] : "failed")
        case "no-video": self = .completedWithoutVideo
        case "regress": self = .regressToQueued
        case "stall": self = .stallDownload
        case "reset": self = .resetDownload
        case "expire": self = .expiredURL
        case "wrong-type": self = .wrongContentType
        default: return nil
        }
    }
}

/// Where a fault applies.
public enum StandInRoute: String, Sendable, CaseIterable {
    case images, videoSubmit, videoPoll, chat, visionCraft, download, any
}
