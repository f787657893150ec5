import ArgumentParser
import Foundation
import Gifsmith
import GifsmithAPI
import GifsmithStandIn
import GifsmithWorkflows

/// Options every AI/ML API workflow shares: credentials, offline mode, deadline, output style.
struct ServiceFlags: ParsableArguments {
    @Option(name: .customLong("api-key-file"), help: "File holding the AI/ML API key (default: $AIMLAPI_KEY). Never printed.")
    var apiKeyFile: String?

    @Option(name: .customLong("token-file"), help: "File holding the VisionCraft token (default: $VISIONCRAFT_TOKEN). Never printed.")
    var tokenFile: String?

    @Flag(help: "Run against an in-process stand-in of the remote APIs on 127.0.0.1: no key, no network.")
    var offline = false

    @Option(help: "Give up on a remote job after this many seconds.")
    var deadline: Double = 1200

    @Option(help: "Backend for the GIF step: auto, cpu, vulkan.")
    var backend: String = "auto"

    @Flag(help: "Print progress and the result as JSON lines.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func session() throws -> ServiceSession {
        var config = try ServiceConfig.fromEnvironment(apiKeyFile: apiKeyFile, visionCraftTokenFile: tokenFile, offline: offline)
        // The stand-in answers in moments; the real service takes minutes and asks for patience.
        config.poll = offline ? PollPolicy(deadline: deadline, initialInterval: 0.2, maxInterval: 1)
                              : PollPolicy(deadline: deadline)
        let reporter = WorkflowReporter(json: json, quiet: quiet)
        config.http.onRetry = { reporter.handle(.retry($0)) }
        return try ServiceSession(config)
    }

    func backendChoice() throws -> BackendChoice {
        guard let choice = BackendChoice(parsing: backend, device: nil) else {
            throw WorkflowError(.usage, "--backend '\(backend)' is not one of auto, cpu, vulkan")
        }
        return choice
    }

    /// Runs a workflow with progress reporting and the documented exit codes.
    func run(_ body: (ServiceSession, @escaping (WorkflowEvent) -> Void) throws -> WorkflowResult) -> Never {
        let reporter = WorkflowReporter(json: json, quiet: quiet)
        do {
            let result = try body(try session(), reporter.handle)
            reporter.finish(result)
            Foundation.exit(0)
        } catch {
            let e = error as? WorkflowError ?? WorkflowError(.media, "\(error)")
            reporter.failed(e)
            Foundation.exit(WorkflowExit.code(e))
        }
    }
}

/// Exit codes of the workflow commands (README.md lists them).
enum WorkflowExit {
    static func code(_ e: WorkflowError) -> Int32 {
        switch e.category {
        case .usage: return ExitCodes.usage
        case .credentials: return 77  // EX_NOPERM
        case .remote: return 76       // EX_PROTOCOL: the service said no or answered nonsense
        case .network: return 75      // EX_TEMPFAIL: try again later
        case .media: return ExitCodes.badInput
        case .output: return ExitCodes.cannotCreate
        }
    }
}

/// Prints workflow events: one line a step on stderr, JSON lines with --json, nothing with --quiet.
final class WorkflowReporter: @unchecked Sendable {
    let json: Bool
    let quiet: Bool
    init(json: Bool, quiet: Bool) {
        self.json = json
        self.quiet = quiet
    }

    func handle(_ event: WorkflowEvent) {
        if quiet { return }
        switch event {
        case let .step(s): line(["event": "step", "message": s], text: s)
        case let .job(id, status, elapsed): line(["event": "job", "id": id, "status": status, "elapsed": elapsed],
                                                  text: String(format: "  job %@: %@ (%.0f s)", id, status, elapsed))
        case let .retry(s): line(["event": "retry", "message": s], text: "  retrying: \(s)")
        case let .transcode(phase, done, total): if json { line(["event": "transcode", "phase": phase, "done": done, "total": total ?? -1], text: "") }
        case let .warning(s): line(["event": "warning", "message": s], text: "gifsmith: warning: \(s)")
        }
    }

    func finish(_ r: WorkflowResult) {
        if quiet { return }
        var fields: [String: Any] = ["event": "finished", "outputs": r.outputs, "elapsed": r.elapsedSeconds]
        if let p = r.prompt { fields["prompt"] = p }
        if let d = r.loopDifference { fields["loopDifference"] = d }
        line(fields, text: "wrote " + r.outputs.joined(separator: ", ") + String(format: " in %.1f s", r.elapsedSeconds))
    }

    func failed(_ e: WorkflowError) {
        if json { line(["event": "error", "message": e.message, "exit_code": Int(WorkflowExit.code(e))], text: "") }
        FileHandleOutput.stderr("gifsmith: \(e.message)\n")
    }

    private func line(_ fields: [String: Any], text: String) {
        if json {
            if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) {
                FileHandleOutput.stdout(String(decoding: data, as: UTF8.self) + "\n")
            }
        } else if !text.isEmpty {
            FileHandleOutput.stderr(text + "\n")
        }
    }
}

struct BannerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "banner",
        abstract: "Seed 000: prompt → image → seamlessly looping video → exact crop → GIF that loops forever."
    )
    @Option(help: "What the banner shows.") var prompt: String
    @Option(help: "Exact banner size WxH, e.g. 1200x300.") var size: String
    @Option(name: .shortAndLong, help: "Output GIF.") var output: String
    @Option(name: .customLong("motion-prompt"), help: "How it should move (a gentle default otherwise).") var motionPrompt: String?
    @Option(help: "GIF frame rate.") var fps: Double = 12
    @Option(help: "Keep the generated image and video in this folder.") var keep: String?
    @OptionGroup var service: ServiceFlags

    func run() throws {
        let dims = size.split(separator: "x").compactMap { Int($0) }
        service.run { session, progress in
            guard dims.count == 2 else { throw WorkflowError(.usage, "--size '\(size)' is not WxH (e.g. 1200x300)") }
            let gif = GIFSettings(fps: FrameRate(parsing: String(fps)), backend: try service.backendChoice())
            return try Banner.run(BannerOptions(prompt: prompt, width: dims[0], height: dims[1], output: output, motionPrompt: motionPrompt,
                                                gif: gif, keepIntermediates: keep), session: session, progress: progress)
        }
    }
}

struct AnimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "animate",
        abstract: "Animate one picture with the Kling video model and make it a GIF (the chat model writes the prompt if none is given)."
    )
    @Option(help: "The picture (PNG or JPEG).") var image: String
    @Option(help: "Motion prompt.") var prompt: String?
    @Flag(help: "End on the first frame so the GIF loops seamlessly.") var loop = false
    @Option(help: "Video length: 5 or 10 seconds.") var duration: Int = 5
    @Option(name: .customLong("video"), help: "Also keep the MP4 here.") var video: String?
    @Option(name: .shortAndLong, help: "Output GIF.") var output: String
    @OptionGroup var service: ServiceFlags

    func run() throws {
        service.run { session, progress in
            let gif = GIFSettings(backend: try service.backendChoice())
            return try Animate.run(AnimateOptions(image: image, output: output, prompt: prompt, loop: loop, duration: duration,
                                                  gif: gif, videoOutput: video), session: session, progress: progress)
        }
    }
}

struct TemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Seed 004: put a picture into a template video (magic/image-to-video), save the MP4, optionally a GIF."
    )
    @Option(help: "The picture (PNG or JPEG).") var image: String
    @Option(help: "Template name, exactly as the API spells it (e.g. \"Times Square Billboard\").") var template: String
    @Option(name: .shortAndLong, help: "Output MP4.") var output: String
    @Option(help: "Also write a GIF here.") var gif: String?
    @OptionGroup var service: ServiceFlags

    func run() throws {
        service.run { session, progress in
            let settings = GIFSettings(backend: try service.backendChoice())
            return try TemplateAd.run(TemplateOptions(image: image, template: template, output: output, gifOutput: gif, gif: settings),
                                      session: session, progress: progress)
        }
    }
}

struct TextToGIFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text-to-gif",
        abstract: "Seed 003: a GIF straight from a prompt (VisionCraft generate-gif)."
    )
    @Option(help: "What the GIF shows.") var prompt: String
    @Option(name: .customLong("negative-prompt"), help: "What it must not show.") var negativePrompt: String?
    @Option(name: .shortAndLong, help: "Output GIF.") var output: String
    @OptionGroup var service: ServiceFlags

    func run() throws {
        service.run { session, progress in
            try TextToGIF.run(TextToGIFOptions(prompt: prompt, output: output, negativePrompt: negativePrompt), session: session, progress: progress)
        }
    }
}

struct StandInCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standin",
        abstract: "Serve the local stand-in of the AI/ML API and VisionCraft on 127.0.0.1 until interrupted."
    )
    @Option(help: "Port (0 picks a free one).") var port: Int = 0
    @Option(help: "Inject a fault into every request, e.g. 429:5 or 500 (see the README).") var fault: String?

    func run() throws {
        let server: StandInServer
        do {
            server = try StandInServer(options: StandInOptions(), port: port)
        } catch {
            FileHandleOutput.stderr("gifsmith: the stand-in could not start: \(error)\n")
            throw ExitCode(ExitCodes.cannotCreate)
        }
        if let fault {
            guard let f = StandInFault(parsing: fault) else {
                FileHandleOutput.stderr("gifsmith: --fault '\(fault)' is not a fault switch\n")
                throw ExitCode(ExitCodes.usage)
            }
            server.inject(f, on: .any, times: Int.max)
        }
        FileHandleOutput.stdout("stand-in on \(server.baseURL) (key \(StandInOptions.defaultKey), VisionCraft token \(StandInOptions.defaultToken))\n")
        FileHandleOutput.stdout(server.endpointSummary + "\n")
        server.serveUntilStopped()
    }
}

struct AnimatePageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "animate-page",
        abstract: "Seed 001: bring every illustration of a page to life; writes OUT/index.html (or index.md) with the text untouched."
    )
    @Argument(help: "An HTML file, a Markdown file, or an http(s) URL.") var input: String
    @Option(name: .shortAndLong, help: "Output folder.") var output: String
    @Option(name: .customLong("min-size"), help: "Skip images whose shorter side is below this many pixels.") var minSize: Int = 128
    @Flag(help: "Make each animation loop seamlessly.") var loop = false
    @Option(help: "Images animated at the same time.") var concurrency: Int = 2
    @Option(help: "GIF frame rate.") var fps: Double = 10
    @Option(help: "GIF width.") var width: Int = 480
    @Flag(help: "Redo every image, even those finished by an earlier run.") var force = false
    @OptionGroup var service: ServiceFlags

    func run() throws {
        service.run { session, progress in
            guard (1...16).contains(concurrency) else { throw WorkflowError(.usage, "--concurrency \(concurrency) is outside 1...16") }
            let gif = GIFSettings(fps: FrameRate(parsing: String(fps)), width: width, backend: try service.backendChoice())
            return try AnimatePage.run(AnimatePageOptions(input: input, outputDirectory: output, minSize: minSize, loop: loop,
                                                          concurrency: concurrency, gif: gif, force: force),
                                       session: session, progress: progress)
        }
    }
}
