/// Errors of the batch as a whole (one item's failure is recorded, never thrown).
public enum BatchError: Error, CustomStringConvertible, Sendable {
    /// A bad batch option, shard or manifest: the command line must change.
    case usage(String)
    /// The input folder, list or manifest is missing or unreadable.
    case inputMissing(String)
    /// The output folder or the journal cannot be written.
    case output(String)

    public var description: String {
        switch self {
        case let .usage(m), let .inputMissing(m), let .output(m): return m
        }
    }
}
