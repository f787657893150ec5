import Foundation
import ArgumentParser
import Gifsmith

/// The CLI's documented exit codes (sysexits.h where one fits). README.md lists the same table.
enum ExitCodes {
    static let usage: Int32 = 64
    static let badInput: Int32 = 65
    static let inputMissing: Int32 = 66
    static let unsupported: Int32 = 69
    static let software: Int32 = 70
    static let cannotCreate: Int32 = 73
    static let interrupted: Int32 = 130

    static func code(for error: GifsmithError) -> Int32 {
        switch error.category {
        case .usage: return usage
        case .inputMissing: return inputMissing
        case .badInput: return badInput
        case .unsupported: return unsupported
        case .output: return cannotCreate
        case .cancelled: return interrupted
        case .internal: return software
        }
    }

    /// Prints `gifsmith: message` to stderr and exits with the error's code.
    static func fail(_ error: GifsmithError) -> Never {
        FileHandleOutput.stderr("gifsmith: \(error.description)\n")
        exit(code(for: error))
    }
}
