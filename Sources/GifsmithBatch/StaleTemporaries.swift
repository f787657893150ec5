import Foundation

/// The Transcoder writes each GIF under a hidden temporary name beside it
/// (`.NAME.gif.gifsmith-XXXXXX`, from mkstemp) and renames it when complete. Ctrl-C and errors
/// remove it, but SIGKILL, the OOM killer or a power cut cannot; a batch therefore removes the
/// leftovers of its own items when it starts, so a rerun after a crash leaves no orphans.
///
/// Only this run's items are looked at: a shard never touches another shard's in-flight files.
/// (Two runs of the same items at the same time are not supported: each would remove the other's.)
enum StaleTemporaries {
    /// Removes the leftover temporary files of `outputs`; returns the paths removed.
    @discardableResult
    static func remove(forOutputs outputs: [String]) -> [String] {
        var byFolder: [String: Set<String>] = [:]
        for output in outputs {
            let url = URL(fileURLWithPath: output)
            byFolder[url.deletingLastPathComponent().path, default: []].insert(url.lastPathComponent)
        }
        var removed: [String] = []
        for (folder, names) in byFolder {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for entry in entries {
                guard let name = targetName(ofTemporary: entry), names.contains(name) else { continue }
                let path = folder + "/" + entry
                if unlink(path) == 0 { removed.append(path) }
            }
        }
        return removed.sorted()
    }

    static let marker = ".gifsmith-"

    /// "clip.gif" for ".clip.gif.gifsmith-a1B2c3"; nil for anything else (mkstemp's six
    /// characters are letters and digits).
    static func targetName(ofTemporary entry: String) -> String? {
        guard entry.hasPrefix("."), let range = entry.range(of: marker, options: .backwards),
              range.lowerBound > entry.startIndex else { return nil }
        let suffix = entry[range.upperBound...]
        guard suffix.count == 6, suffix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        let name = entry[entry.index(after: entry.startIndex)..<range.lowerBound]
        return name.isEmpty ? nil : String(name)
    }
}
