import Gifsmith

/// What a rerun does with an item, given the journal's newest record of it.
///
/// - Done with the same input and options hashes, and its GIF still there at the recorded size:
///   skipped.
/// - Failed because of the input's own bytes (`inputFault`), with the same input and options
///   hashes: not tried again, but reported as failed ("failed earlier"), because the same bytes
///   with the same options fail the same way. A changed input (new fingerprint), changed options,
///   `--retry-failed` or `--force` tries it again.
/// - Anything else (no record, changed, or a failure that may not happen again: the input
///   missing or unreadable, the output not writable, a bad option, an internal error, the
///   Vulkan backend unavailable): converted.
public enum ResumePolicy {
    public enum Decision: Equatable, Sendable {
        case convert
        case skipDone
        case failedEarlier(JournalRecord)
    }

    /// The failures that the input's bytes alone decide: badInput (empty, not media, no video
    /// stream, damaged or truncated, no frames) and unsupported (a codec this FFmpeg cannot
    /// decode). An unusable Vulkan backend is also `unsupported` but depends on the machine,
    /// and the backend is not in the options hash, so it must be retried.
    public static func isInputFault(_ error: GifsmithError) -> Bool {
        if case .backendUnavailable = error { return false }
        switch error.category {
        case .badInput, .unsupported: return true
        case .usage, .inputMissing, .output, .cancelled, .internal: return false
        }
    }

    /// - Parameters:
    ///   - inputHash: the input's fingerprint now (nil when it cannot be read: never skipped).
    ///   - output: the GIF's path as the journal records it; `outputBytes` its size now, if any.
    public static func decide(previous: JournalRecord?, inputHash: String?, optionsHash: String,
                              output: String, outputBytes: Int64?, force: Bool, retryFailed: Bool) -> Decision {
        guard !force, let p = previous, let inputHash, p.inputHash == inputHash, p.optionsHash == optionsHash else {
            return .convert
        }
        switch p.status {
        case .done:
            return p.output == output && outputBytes == p.outputBytes ? .skipDone : .convert
        case .failed:
            return !retryFailed && p.inputFault == true ? .failedEarlier(p) : .convert
        }
    }
}
