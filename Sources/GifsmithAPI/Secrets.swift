import Foundation

/// An API key or token. Its `description` never shows the value, so interpolating it by
/// mistake into a message or a log prints `<redacted>`.
public struct APISecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The raw value, for the request only.
    public let value: String

    public init(_ value: String) { self.value = value.trimmingCharacters(in: .whitespacesAndNewlines) }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }

    /// The key from `file` when given, else from the environment variable `variable`.
    /// Throws `.missingKey` naming where it looked (never what it found).
    public static func load(variable: String, file: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APISecret {
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw APIError(.missingKey, "cannot read the key file \(file)")
            }
            let key = APISecret(text)
            guard !key.value.isEmpty else { throw APIError(.missingKey, "the key file \(file) is empty") }
            return key
        }
        guard let raw = environment[variable], !APISecret(raw).value.isEmpty else {
            throw APIError(.missingKey, "no API key: set \(variable) or pass --api-key-file")
        }
        return APISecret(raw)
    }
}

/// Removes secrets from text that may reach a person: error messages, server bodies echoed back.
public struct Redactor: Sendable {
    public let secrets: [String]

    public init(secrets: [String]) { self.secrets = secrets.filter { $0.count >= 4 } }

    public func redact(_ text: String) -> String {
        var out = text
        for s in secrets { out = out.replacingOccurrences(of: s, with: "<redacted>") }
        return Redactor.scrubGeneric(out)
    }

    /// Whatever follows "Bearer " or a "token" JSON field is a credential whoever wrote it.
    static func scrubGeneric(_ text: String) -> String {
        var out = text
        for pattern in [#"(?i)(bearer\s+)[^\s"',;]+"#, #"("token"\s*:\s*")[^"]*"#] {
            if let re = try? NSRegularExpression(pattern: pattern) {
                let range = NSRange(out.startIndex..., in: out)
                out = re.stringByReplacingMatches(in: out, range: range, withTemplate: "$1<redacted>")
            }
        }
        return out
    }
}
