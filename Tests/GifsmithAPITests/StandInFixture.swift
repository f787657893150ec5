import Foundation
import GifsmithAPI
import GifsmithStandIn
import XCTest

/// A stand-in on 127.0.0.1 with fast clocks, and clients pointed at it.
final class Fixture {
    static let key = "sk-test-SECRET-0123456789"
    static let token = "vc-SECRET-token-987"
    let server: StandInServer
    let dir: String
    let retries = RetryLog()

    init(_ configure: (inout StandInOptions) -> Void = { _ in }) throws {
        var o = StandInOptions(validKeys: [Fixture.key], noCreditKeys: ["broke-key-0000"], visionCraftTokens: [Fixture.token],
                               queuedPolls: 1, generatingPolls: 1, videoFPS: 2, maxVideoSide: 128, stallSeconds: 5)
        configure(&o)
        server = try StandInServer(options: o)
        dir = NSTemporaryDirectory() + "gifsmith-api-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    var http: HTTPClient {
        let log = retries
        return HTTPClient(connectTimeout: 2, timeout: 10, downloadTimeout: 10, stallTimeout: 1,
                          retry: RetryPolicy(maxAttempts: 4, initialDelay: 0.02, maxDelay: 0.1, jitter: 0.25),
                          onRetry: { log.add($0) })
    }

    func client(key: String = Fixture.key, deadline: Double = 20) -> AIMLClient {
        AIMLClient(baseURL: server.baseURL, key: APISecret(key), http: http,
                   poll: PollPolicy(deadline: deadline, initialInterval: 0.01, maxInterval: 0.05))
    }

    func visionCraft(token: String = Fixture.token) -> VisionCraftClient {
        VisionCraftClient(baseURL: server.baseURL, token: APISecret(token), http: http)
    }

    func path(_ name: String) -> String { dir + "/" + name }

    /// Files in the work folder, temporary ones included.
    var files: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }

    /// A PNG painted by the stand-in's image model.
    func png(_ name: String, width: Int = 320, height: Int = 320, prompt: String = "coral and yellow lines") throws -> String {
        let data = try MediaEncoders.png(PromptPainter.paint(prompt: prompt, width: width, height: height))
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: data)
        return p
    }
}

final class RetryLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ s: String) { lock.withLock { lines.append(s) } }
    var all: [String] { lock.withLock { lines } }
}

/// Frames ffprobe counts in a video (an independent decoder).
func ffprobeFrames(_ path: String) -> Int? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
    p.arguments = ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = Pipe()
    guard (try? p.run()) != nil else { return nil }
    p.waitUntilExit()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
}

func XCTAssertAPIError(_ body: @autoclosure () throws -> Any, _ kind: APIError.Kind? = nil, contains: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("no error", file: file, line: line)
    } catch let e as APIError {
        if let kind { XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line) }
        if let contains { XCTAssertTrue(e.message.contains(contains), "'\(e.message)' lacks '\(contains)'", file: file, line: line) }
        XCTAssertFalse(e.message.contains(Fixture.key), "key leaked: \(e.message)", file: file, line: line)
        XCTAssertFalse(e.message.contains(Fixture.token), "token leaked: \(e.message)", file: file, line: line)
    } catch {
        XCTFail("not an APIError: \(error)", file: file, line: line)
    }
}
