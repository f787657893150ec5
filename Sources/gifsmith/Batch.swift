import ArgumentParser
import Foundation
import Gifsmith
import GifsmithBatch

/// `gifsmith batch`: many inputs, resumable, one bad file never stops the rest.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Convert a folder, a list of paths or a JSONL manifest to GIFs; resumable and shardable.",
        discussion: """
        INPUT is a folder (searched recursively for videos and images; the output tree mirrors it: \
        x/y/clip.mp4 becomes OUT/x/y/clip.gif), a list file (one path a line, relative to the list's \
        folder), or a .jsonl manifest: one object a line, {"input": "a.mp4", "output": "a.gif", \
        "width": 320, "fps": 10, "dither": "bayer"}, any `convert` option by its long name.

        Every `convert` option (--width, --fps, --dither, ...) may follow and applies to every item; \
        a manifest's options win over them.

        OUT/.gifsmith-journal*.jsonl records each item's outcome with a hash of its input and \
        options: a rerun skips what is done and unchanged and redoes the rest (--force redoes all). \
        An item that failed because of its input (damaged, empty, not video, codec without a \
        decoder) is not tried again while its input and options are unchanged; it is still \
        reported as failed ("earlier") and still makes the exit code 65. --retry-failed tries \
        it anyway. Other failures (input missing, output not writable, internal) are retried.

        Shards: --shard K/N (K from 0), or JOB_COMPLETION_INDEX (Kubernetes Indexed Job; count from \
        --shard-count or JOB_COMPLETION_COUNT), or SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT. An item \
        belongs to shard FNV-1a-64(relative path) mod N.

        Exit codes: 0 every item done or skipped; 65 some items failed (the rest were converted); \
        64 bad option, shard or manifest; 66 INPUT missing; 73 OUT or its journal cannot be written; \
        130 interrupted (finished items are kept; a rerun does the rest).

        Examples:
          gifsmith batch videos/ -o gifs/ --width 480 --jobs 2
          gifsmith batch manifest.jsonl -o gifs/ --json
          gifsmith batch videos/ -o /shared/gifs --shard 3/16
        """
    )

    @Argument(help: "A folder, a list file (one path a line) or a JSONL manifest (.jsonl).")
    var input: String

    @Option(name: .shortAndLong, help: "Output folder (created if missing).")
    var output: String

    @Option(help: "Items converted at once; each gets cores/jobs worker threads.")
    var jobs: Int = 1

    @Option(parsing: .singleValue, help: "Only files matching this fnmatch glob (repeatable; a glob without '/' matches the file name). Default: video and image extensions.")
    var include: [String] = []

    @Option(parsing: .singleValue, help: "Skip files matching this glob (repeatable).")
    var exclude: [String] = []

    @Option(help: "Convert only shard K of N (K/N, K from 0).")
    var shard: String?

    @Option(name: .customLong("shard-count"), help: "Shard count with JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID.")
    var shardCount: Int?

    @Flag(help: "Redo every item, whatever the journal says.")
    var force = false

    @Flag(name: .customLong("retry-failed"), help: "Try again items that failed because of their input, even if it is unchanged.")
    var retryFailed = false

    @Flag(help: "Print the summary as one JSON object on stdout.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but the summary's failures.")
    var quiet = false

    @Argument(parsing: .allUnrecognized, help: "`convert` options for every item (e.g. --width 480 --fps 12).")
    var convertOptions: [String] = []

    /// Batch exit code when some items failed (the others were converted).
    static let someFailed: Int32 = ExitCodes.badInput

    func run() throws {
        // Trapped first: checking options and listing a large input tree take a while (a backend
        // probe, a directory walk), and a Ctrl-C then must still end in the runner's clean stop:
        // stale temporaries from earlier killed runs removed, items marked cancelled, exit 130.
        let cancellation = CancellationFlag()
        let signals = SignalTrap(cancellation: cancellation)
        defer { signals.release() }
        guard jobs >= 1 else { fail(.usage("--jobs must be 1 or more")) }
        let shardSpec: Shard?
        do {
            shardSpec = try shard.map { try Shard(parsing: $0) }
                ?? Shard.fromEnvironment(ProcessInfo.processInfo.environment, countOption: shardCount)
        } catch let e as BatchError {
            fail(e)
        }
        // The batch's own options are checked once, before any item runs.
        let base = convertOptions
        do {
            _ = try Self.resolve(base)
        } catch {
            fail(.usage("\(error)"))
        }

        let items: [BatchItem]
        do {
            items = try BatchInputs(source: input, outputDirectory: output, include: include, exclude: exclude).items()
        } catch let e as BatchError {
            fail(e)
        }
        let configuration = BatchConfiguration(outputDirectory: output, jobs: jobs, force: force, retryFailed: retryFailed, shard: shardSpec)
        let runner = BatchRunner(items: items, configuration: configuration, resolve: { try Self.resolve(base + $0) })

        let quiet = quiet
        let summary: BatchSummary
        do {
            summary = try runner.run(cancellation: cancellation) { event in
                guard !quiet else { return }
                let what: String
                switch event.outcome {
                case let .done(bytes): what = String(format: "done (%d bytes, %.1f s)", bytes, event.seconds)
                case .skipped: what = "skipped (done before)"
                case let .failed(error, _): what = "FAILED: \(error)"
                case let .failedEarlier(error, _): what = "FAILED earlier, input unchanged (not retried): \(error)"
                case .cancelled: return
                }
                FileHandleOutput.stderr("[\(event.finished)/\(event.total)] \(event.item.key): \(what)\n")
            }
        } catch let e as BatchError {
            fail(e)
        } catch {
            fail(.output("\(output): \(error.localizedDescription)"))
        }
        if !quiet || summary.failed > 0 { FileHandleOutput.stderr(summary.table()) }
        if json { FileHandleOutput.stdout(summary.json() + "\n") }
        if summary.interrupted { throw ExitCode(ExitCodes.interrupted) }
        if summary.failed > 0 { throw ExitCode(Self.someFailed) }
    }

    /// `convert` words to options, with `convert`'s own parser.
    static func resolve(_ words: [String]) throws -> ConvertOptions {
        let command = try Convert.parse(["-", "-o", "-"] + words)
        return try command.makeOptions()
    }

    private func fail(_ e: BatchError) -> Never {
        FileHandleOutput.stderr("gifsmith: \(e.description)\n")
        switch e {
        case .usage: Foundation.exit(ExitCodes.usage)
        case .inputMissing: Foundation.exit(ExitCodes.inputMissing)
        case .output: Foundation.exit(ExitCodes.cannotCreate)
        }
    }
}
