/// Errors from writing or reading GIF data. Every case carries enough context to act on.
public enum GIFError: Error, Equatable, CustomStringConvertible {
    /// The canvas size cannot be stored in a GIF (each side must be 1...65535).
    case invalidCanvasSize(width: Int, height: Int)
    /// A loop count outside what the NETSCAPE2.0 block can hold.
    case invalidLoopCount(Int)
    /// `append` or `finish` was called after `finish`.
    case writerFinished
    /// The data is not a GIF, or is cut short, or breaks the format; the message says where.
    case malformed(String)

    public var description: String {
        switch self {
        case let .invalidCanvasSize(w, h):
            return "a GIF canvas must be 1...65535 pixels on each side, not \(w)x\(h)"
        case let .invalidLoopCount(n):
            return "loop count \(n) is outside 0...65535, the range a GIF can store"
        case .writerFinished:
            return "the GIF writer was already finished; no more frames can be written"
        case let .malformed(m):
            return "not a valid GIF: \(m)"
        }
    }
}
