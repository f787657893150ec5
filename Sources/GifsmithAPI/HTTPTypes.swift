import Foundation

/// One HTTP request. `headers` are sent in order; the body is sent as is.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A complete response. Header names are lower-cased; a repeated header keeps its last value.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
    /// The media type without parameters, lower-cased ("application/json").
    public var mediaType: String? { headers["content-type"].map(HTTPResponse.mediaType(of:)) }
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    static func mediaType(of header: String) -> String {
        header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }
}

/// When and how often to retry: 429, 5xx and connection failures, with exponential backoff and
/// jitter, honouring `Retry-After`, never past a deadline.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var initialDelay: Double
    public var maxDelay: Double
    /// The delay is multiplied by a random factor in [1 - jitter, 1 + jitter].
    public var jitter: Double
    /// A `Retry-After` longer than this is an error rather than a wait.
    public var maxRetryAfter: Double

    public init(maxAttempts: Int = 5, initialDelay: Double = 1, maxDelay: Double = 60, jitter: Double = 0.25, maxRetryAfter: Double = 600) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1).
    public func delay(afterAttempt attempt: Int, retryAfter: Double?) -> Double {
        let exp = min(maxDelay, initialDelay * pow(2, Double(max(0, attempt - 1))))
        let jittered = exp * Double.random(in: (1 - jitter)...(1 + jitter))
        if let retryAfter { return max(retryAfter, min(jittered, maxDelay)) }
        return max(0, jittered)
    }

    /// Whether a response status is worth another attempt.
    public static func isRetryable(status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    /// Seconds from a `Retry-After` value: delta-seconds or an HTTP date.
    public static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let v = value?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
        if let s = Double(v), s >= 0, s.isFinite { return s }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let d = f.date(from: v) { return max(0, d.timeIntervalSince(now)) }
        return nil
    }
}
