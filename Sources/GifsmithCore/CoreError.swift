/// Errors from value checks in the core: geometry and option validation.
public enum CoreError: Error, Equatable, CustomStringConvertible {
    case invalidOption(String)
    case invalidGeometry(String)

    public var description: String {
        switch self {
        case let .invalidOption(m): return m
        case let .invalidGeometry(m): return m
        }
    }
}
