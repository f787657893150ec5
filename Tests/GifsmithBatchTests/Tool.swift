import Foundation
import XCTest

/// Runs the built `gifsmith` (it sits beside the test bundle) and other tools.
enum Tool {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A process started in the background, its output collected to temporary files.
    final class Running {
        let process: Process
        private let out: URL, err: URL
        init(process: Process, out: URL, err: URL) {
            self.process = process
            self.out = out
            self.err = err
        }
        func wait() -> Result {
            process.waitUntilExit()
            defer {
                try? FileManager.default.removeItem(at: out)
                try? FileManager.default.removeItem(at: err)
            }
            return Result(status: process.terminationStatus,
                          stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
    }

    static let binary: String = {
        var dirs = Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        dirs.append(Bundle.main.bundleURL)
        dirs.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for d in dirs {
            let p = d.appendingPathComponent("gifsmith").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return "gifsmith"
    }()

    static let batchAvailable: Bool = {
        // An unknown subcommand's --help prints the root's help and exits 0, so look for ours.
        guard let r = try? run(binary, ["batch", "--help"]) else { return false }
        return r.status == 0 && r.stdout.contains("gifsmith batch <input>")
    }()

    static func start(_ executable: String, _ args: [String], environment: [String: String] = [:]) throws -> Running {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for k in ["JOB_COMPLETION_INDEX", "JOB_COMPLETION_COUNT", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"] { env[k] = nil }
        env.merge(environment) { $1 }
        p.environment = env
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gs-out-" + UUID().uuidString)
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("gs-err-" + UUID().uuidString)
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        return Running(process: p, out: out, err: err)
    }

    static func start(_ args: [String], environment: [String: String] = [:]) throws -> Running {
        try start(binary, args, environment: environment)
    }

    static func run(_ executable: String, _ args: [String], environment: [String: String] = [:]) throws -> Result {
        try start(executable, args, environment: environment).wait()
    }

    static func gifsmith(_ args: [String], environment: [String: String] = [:]) throws -> Result {
        try run(binary, args, environment: environment)
    }

    static func ffmpeg(_ args: [String]) throws {
        let r = try run("/usr/bin/ffmpeg", ["-v", "error", "-y"] + args)
        guard r.status == 0 else { throw NSError(domain: "ffmpeg", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.stderr]) }
    }
}
