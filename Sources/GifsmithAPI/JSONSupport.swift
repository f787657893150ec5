import Foundation

/// Loose JSON access: the APIs document several shapes for the same answer.
enum JSON {
    static func encode(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func object(_ data: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? [String: Any]
    }

    static func string(_ v: Any?) -> String? {
        if let s = v as? String { return s }
        if let n = v as? NSNumber { return n.stringValue }
        return nil
    }

    static func int(_ v: Any?) -> Int? {
        if let n = v as? NSNumber { return n.intValue }
        if let s = v as? String { return Int(s) }
        return nil
    }

    /// The message an error body carries, in any of the documented shapes:
    /// `{message}`, `{error:{message}}`, `{error:{detail:[{msg}]}}`, `{detail:[{msg}]}`, `{error:"..."}`.
    static func errorMessage(_ body: [String: Any]) -> String? {
        if let m = string(body["message"]), !m.isEmpty { return m }
        if let e = body["error"] as? [String: Any] {
            if let m = string(e["message"]), !m.isEmpty { return [string(e["name"]), m].compactMap { $0 }.joined(separator: ": ") }
            if let d = detailText(e["detail"]) { return d }
        }
        if let e = string(body["error"]), !e.isEmpty { return e }
        return detailText(body["detail"])
    }

    static func detailText(_ v: Any?) -> String? {
        if let s = v as? String { return s }
        guard let items = v as? [[String: Any]], !items.isEmpty else { return nil }
        return items.map { item -> String in
            let loc = (item["loc"] as? [Any])?.compactMap { string($0) }.joined(separator: ".")
            let msg = string(item["msg"]) ?? "invalid"
            return loc.map { "\($0): \(msg)" } ?? msg
        }.joined(separator: "; ")
    }
}
