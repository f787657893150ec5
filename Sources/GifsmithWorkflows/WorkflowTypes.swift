import Foundation
import Gifsmith
import GifsmithAPI

/// What a workflow reports while it runs.
public enum WorkflowEvent: Sendable {
    /// A new step ("generating a 1216x320 image").
    case step(String)
    /// A poll of a remote job.
    case job(id: String, status: String, elapsed: Double)
    /// A request is being retried (the reason is redacted).
    case retry(String)
    /// GIF conversion progress.
    case transcode(phase: String, done: Int, total: Int?)
    /// Something worth knowing that did not stop the run.
    case warning(String)
}

/// What a workflow wrote.
public struct WorkflowResult: Sendable {
    /// Files written, in order (the main output first).
    public var outputs: [String]
    /// The GIF conversion's result, when a GIF was made.
    public var gif: TranscodeResult?
    /// Mean absolute difference (0...255) between the GIF's first and last frames, for loops.
    public var loopDifference: Double?
    /// The motion prompt used (written by the chat model when none was given).
    public var prompt: String?
    public var elapsedSeconds: Double
}

/// A workflow failure, with a category for the CLI's exit codes.
public struct WorkflowError: Error, CustomStringConvertible, Sendable {
    public enum Category: Sendable { case usage, credentials, remote, network, media, output }
    public let category: Category
    public let message: String
    public var description: String { message }

    public init(_ category: Category, _ message: String) {
        self.category = category
        self.message = message
    }

    static func wrap(_ error: Error) -> Error {
        if error is WorkflowError { return error }
        if let e = error as? APIError {
            switch e.kind {
            case .missingKey, .unauthorized: return WorkflowError(.credentials, e.message)
            case .invalidInput: return WorkflowError(.usage, e.message)
            case .network, .timeout: return WorkflowError(.network, e.message)
            case .io: return WorkflowError(.output, e.message)
            case .http, .jobFailed, .badResponse, .download: return WorkflowError(.remote, e.message)
            }
        }
        if let e = error as? GifsmithError {
            switch e.category {
            case .usage: return WorkflowError(.usage, e.description)
            case .output: return WorkflowError(.output, e.description)
            default: return WorkflowError(.media, e.description)
            }
        }
        return WorkflowError(.media, "\(error)")
    }
}

/// GIF settings shared by the workflows.
public struct GIFSettings: Sendable {
    public var fps: FrameRate?
    public var colors: Int
    public var width: Int?
    public var backend: BackendChoice

    public init(fps: FrameRate? = FrameRate(12), colors: Int = 256, width: Int? = nil, backend: BackendChoice = .auto) {
        self.fps = fps
        self.colors = colors
        self.width = width
        self.backend = backend
    }
}
