import Foundation

/// HTTP over libcurl with TLS verification on, connect and overall timeouts, and retries
/// (429, 5xx, connection failures) with exponential backoff, jitter and `Retry-After`.
public struct HTTPClient: Sendable {
    public var connectTimeout: Double
    /// The limit for one attempt of a request.
    public var timeout: Double
    /// The limit for one attempt of a download.
    public var downloadTimeout: Double
    /// Seconds without a byte before a transfer counts as stalled.
    public var stallTimeout: Double
    public var retry: RetryPolicy
    /// Largest API response body accepted.
    public var maxResponseBytes: Int64
    /// A CA bundle to trust instead of the system's.
    public var caBundle: String?
    /// Values removed from every error message (the keys in use).
    public var secrets: [String]
    /// Told about each retry, with the reason (already redacted). For progress and tests.
    public var onRetry: (@Sendable (String) -> Void)?

    public init(connectTimeout: Double = 15, timeout: Double = 120, downloadTimeout: Double = 900, stallTimeout: Double = 60,
                retry: RetryPolicy = RetryPolicy(), maxResponseBytes: Int64 = 64 << 20, caBundle: String? = nil,
                secrets: [String] = [], onRetry: (@Sendable (String) -> Void)? = nil) {
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.downloadTimeout = downloadTimeout
        self.stallTimeout = stallTimeout
        self.retry = retry
        self.maxResponseBytes = maxResponseBytes
        self.caBundle = caBundle
        self.secrets = secrets
        self.onRetry = onRetry
    }

    var redactor: Redactor { Redactor(secrets: secrets) }

    /// Sends `request` and returns the first response that is not retryable, or the last one
    /// after `retry.maxAttempts`. Non-2xx responses are returned, not thrown: the caller knows
    /// what its API's error bodies look like. Throws `.network` when no response came, and
    /// `.timeout` when `deadline` would be passed by waiting.
    public func send(_ request: HTTPRequest, deadline: Date? = nil) throws -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            let sink = TransferSink(maxBytes: maxResponseBytes)
            let settings = TransferSettings(connectTimeout: connectTimeout, timeout: remaining(timeout, deadline),
                                            stallTimeout: stallTimeout, followRedirects: false, caBundle: caBundle)
            let outcome = CurlTransfer.perform(request, settings: settings, sink: sink)
            let reason: String
            var retryAfter: Double? = nil
            switch outcome {
            case let .response(r):
                if !RetryPolicy.isRetryable(status: r.status) { return r }
                retryAfter = RetryPolicy.parseRetryAfter(r.headers["retry-after"])
                if attempt >= retry.maxAttempts { return r }
                if let ra = retryAfter, ra > retry.maxRetryAfter { return r }
                reason = "HTTP \(r.status)"
            case let .failure(_, message, retryable):
                let text = redactor.redact("\(request.method) \(HTTPClient.describe(request.url)) failed: \(message)")
                if !retryable || attempt >= retry.maxAttempts {
                    throw APIError(.network, text + (attempt > 1 ? " (after \(attempt) attempts)" : ""))
                }
                reason = message
            }
            let target = HTTPClient.describe(request.url)
            try pauseBeforeRetry(after: attempt, retryAfter: retryAfter, deadline: deadline, reason: reason,
                                 failing: target, retrying: "from \(target)")
        }
    }

    /// What a finished download holds.
    public struct Download: Sendable, Equatable {
        public var path: String
        public var bytes: Int64
        public var contentType: String
    }

    /// Streams `url` to `path`: to a temporary file beside it, renamed only when the body is
    /// complete, no larger than `maxBytes`, exactly `expectedBytes` long when given, and of one
    /// of `acceptedTypes` (media-type prefixes such as "video/"). No Authorization header is
    /// sent. A 403 throws `.http(403)` at once (a signed URL that expired: the caller gets a
    /// fresh one); 429, 5xx, stalls and resets are retried from the start.
    public func download(_ url: String, to path: String, maxBytes: Int64, expectedBytes: Int64? = nil,
                         acceptedTypes: [String] = [], deadline: Date? = nil) throws -> Download {
        let dir = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let tmp = (dir.isEmpty ? "." : dir) + "/.\(base).part-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var attempt = 0
        while true {
            attempt += 1
            let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else {
                throw APIError(.io, "cannot create \(tmp): \(String(cString: strerror(errno)))")
            }
            let sink = TransferSink(maxBytes: maxBytes)
            sink.fd = fd
            sink.acceptedTypes = acceptedTypes
            let settings = TransferSettings(connectTimeout: connectTimeout, timeout: remaining(downloadTimeout, deadline),
                                            stallTimeout: stallTimeout, followRedirects: true, caBundle: caBundle)
            let outcome = CurlTransfer.perform(HTTPRequest(url: url), settings: settings, sink: sink)
            let closed = close(fd)
            var reason: String
            var retryAfter: Double? = nil
            switch outcome {
            case let .response(r):
                if r.isSuccess {
                    if closed != 0 {
                        unlink(tmp)
                        throw APIError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
                    }
                    if let expectedBytes, expectedBytes != sink.bytes {
                        unlink(tmp)
                        throw APIError(.download, "\(HTTPClient.describe(url)) gave \(sink.bytes) bytes but the job said \(expectedBytes)")
                    }
                    guard rename(tmp, path) == 0 else {
                        let e = String(cString: strerror(errno))
                        unlink(tmp)
                        throw APIError(.io, "cannot move the download into place at \(path): \(e)")
                    }
                    return Download(path: path, bytes: sink.bytes, contentType: r.mediaType ?? "")
                }
                unlink(tmp)
                let snippet = redactor.redact(String(r.bodyText.prefix(200)))
                if !RetryPolicy.isRetryable(status: r.status) || attempt >= retry.maxAttempts {
                    throw APIError(r.status == 403 ? .http(status: 403) : .http(status: r.status),
                                   "download of \(HTTPClient.describe(url)) failed with HTTP \(r.status)\(snippet.isEmpty ? "" : ": \(snippet)")")
                }
                retryAfter = RetryPolicy.parseRetryAfter(r.headers["retry-after"])
                reason = "HTTP \(r.status)"
            case let .failure(_, message, retryable):
                unlink(tmp)
                if let abort = sink.abortReason {
                    throw APIError(.download, "download of \(HTTPClient.describe(url)) refused: \(abort)")
                }
                if !retryable || attempt >= retry.maxAttempts {
                    throw APIError(.network, redactor.redact("download of \(HTTPClient.describe(url)) failed: \(message)"))
                }
                reason = message
            }
            let target = HTTPClient.describe(url)
            try pauseBeforeRetry(after: attempt, retryAfter: retryAfter, deadline: deadline, reason: reason,
                                 failing: "download of \(target)", retrying: "downloading \(target)")
        }
    }

    /// Sleeps before attempt `attempt + 1` (reporting it through `onRetry`), or throws a timeout
    /// when that wait would pass `deadline`. `failing` names what kept failing in the timeout,
    /// `retrying` the request in the retry message; `reason` is redacted in both.
    private func pauseBeforeRetry(after attempt: Int, retryAfter: Double?, deadline: Date?, reason: String, failing: String,
                                  retrying: String) throws {
        let wait = retry.delay(afterAttempt: attempt, retryAfter: retryAfter)
        if let deadline, Date().addingTimeInterval(wait) > deadline {
            throw APIError(.timeout, "\(failing) kept failing (\(redactor.redact(reason))) until the deadline")
        }
        onRetry?(redactor.redact("\(reason) \(retrying); attempt \(attempt + 1) of \(retry.maxAttempts) in \(String(format: "%.1f", wait)) s"))
        Thread.sleep(forTimeInterval: wait)
    }

    private func remaining(_ limit: Double, _ deadline: Date?) -> Double {
        guard let deadline else { return limit }
        return max(0.5, min(limit, deadline.timeIntervalSinceNow))
    }

    /// A URL for messages: scheme, host and path, without the query (signatures, tokens).
    public static func describe(_ url: String) -> String {
        if let q = url.firstIndex(of: "?") { return String(url[..<q]) }
        return url
    }
}
