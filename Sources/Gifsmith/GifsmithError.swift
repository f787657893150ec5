import GifsmithCore
import GifsmithGIF
import GifsmithMedia

/// Everything a transcode can fail with, each with a message a person can act on.
/// `category` groups them for the CLI's exit codes.
public enum GifsmithError: Error, CustomStringConvertible {
    case invalidOption(String)
    case invalidGeometry(String)
    case media(MediaError)
    case gif(GIFError)
    case noFrames(String)
    case output(String)
    /// `--backend vulkan` (or a given `--device`) cannot be used.
    case backendUnavailable(String)
    case cancelled
    case `internal`(String)

    public enum Category: Sendable {
        /// A bad option or geometry: the command line must change.
        case usage
        /// The input is missing or cannot be opened.
        case inputMissing
        /// The input exists but is not usable video (empty, corrupt, not media, no frames).
        case badInput
        /// The codec or format is not supported by this FFmpeg, or the Vulkan backend that was
        /// asked for cannot be used.
        case unsupported
        /// The output cannot be written.
        case output
        /// Interrupted by the user (SIGINT/SIGTERM) or a caller's cancellation.
        case cancelled
        case `internal`
    }

    public var category: Category {
        switch self {
        case .invalidOption, .invalidGeometry: return .usage
        case let .media(m):
            switch m {
            case .fileNotFound, .unreadable: return .inputMissing
            case .unsupportedCodec: return .unsupported
            default: return .badInput
            }
        case .gif: return .internal
        case .noFrames: return .badInput
        case .output: return .output
        case .backendUnavailable: return .unsupported
        case .cancelled: return .cancelled
        case .internal: return .internal
        }
    }

    public var description: String {
        switch self {
        case let .invalidOption(m), let .invalidGeometry(m), let .noFrames(m), let .output(m), let .backendUnavailable(m): return m
        case let .media(e): return e.description
        case let .gif(e): return e.description
        case .cancelled: return "cancelled; no output was written"
        case let .internal(m): return "internal error: \(m)"
        }
    }

    /// Lifts the errors of the modules below into this type.
    static func wrap(_ error: Error) -> GifsmithError {
        switch error {
        case let e as GifsmithError: return e
        case let e as MediaError: return .media(e)
        case let e as GIFError: return .gif(e)
        case let e as CoreError:
            switch e {
            case let .invalidGeometry(m): return .invalidGeometry(m)
            case let .invalidOption(m): return .invalidOption(m)
            }
        default: return .internal(String(describing: error))
        }
    }
}
