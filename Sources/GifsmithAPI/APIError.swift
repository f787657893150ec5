import Foundation

/// Everything the AI/ML API and VisionCraft clients can fail with. Messages are meant for a
/// person and never hold a secret: every message passes through `Redactor` when it is made.
public struct APIError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// No key in the environment or the key file.
        case missingKey
        /// A bad option or input file; nothing was sent.
        case invalidInput
        /// The server rejected the key (401) or has no credits for it (403).
        case unauthorized
        /// The server answered with a non-2xx status after all retries.
        case http(status: Int)
        /// DNS, connect, TLS, reset or stalled transfer after all retries.
        case network
        /// The job or request ran past its deadline.
        case timeout
        /// The job reached `error`, or an unknown status.
        case jobFailed
        /// The server's answer does not follow the protocol (not JSON, a missing field).
        case badResponse
        /// A download was refused: too big, wrong size, wrong content type.
        case download
        /// A local file could not be read or written.
        case io
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = Redactor.scrubGeneric(message)
    }

    public var description: String { message }

    /// The same error with `secrets` removed from its message.
    public func redacting(_ secrets: [String]) -> APIError {
        APIError(kind, Redactor(secrets: secrets).redact(message))
    }

    /// HTTP status when this is an HTTP failure.
    public var httpStatus: Int? {
        if case let .http(s) = kind { return s }
        return nil
    }
}
