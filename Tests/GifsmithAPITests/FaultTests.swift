import Foundation
import GifsmithAPI
import GifsmithStandIn
import XCTest

/// Every fault switch of the stand-in against the real client over libcurl.
final class FaultTests: XCTestCase {
    private func job(_ f: Fixture, endpoint: VideoEndpoint = .legacy) throws -> VideoJob {
        let image = try InputImage(path: try f.png("in-\(UUID().uuidString.prefix(6)).png"))
        return try f.client().submitVideo(KlingRequest(imageURL: image.dataURL, tailImageURL: image.dataURL), endpoint: endpoint)
    }

    func test429WithRetryAfterIsRetried() throws {
        let f = try Fixture()
        f.server.inject(.status(429, retryAfter: 1), on: .images, times: 2)
        let start = Date()
        let images = try f.client().generateImage(ImageRequest(prompt: "p", width: 64, height: 64))
        XCTAssertEqual(images.count, 1)
        XCTAssertEqual(f.server.requests(on: .images), 3)
        XCTAssertEqual(f.retries.all.count, 2)
        XCTAssertTrue(f.retries.all[0].contains("HTTP 429"), f.retries.all[0])
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 2.0, "Retry-After: 1 honoured twice")
        XCTAssertFalse(f.retries.all.joined().contains(Fixture.key), "the key never reaches the retry log")
    }

    func testServerErrorsAreRetriedThenReported() throws {
        let f = try Fixture()
        f.server.inject(.status(503), on: .chat, times: 1)
        f.server.inject(.status(504), on: .chat, times: 1)
        XCTAssertFalse(try f.client().chat(prompt: "hi").isEmpty)
        XCTAssertEqual(f.server.requests(on: .chat), 3)
        f.server.inject(.status(500), on: .chat, times: 10)
        XCTAssertAPIError(try f.client().chat(prompt: "hi"), .http(status: 500), contains: "Internal server error")
        XCTAssertEqual(f.server.requests(on: .chat), 3 + 4, "maxAttempts bounds the tries")
    }

    func testHTMLBodies() throws {
        let f = try Fixture()
        f.server.inject(.status(502), on: .images, times: 10)
        XCTAssertAPIError(try f.client().generateImage(ImageRequest(prompt: "p", width: 64, height: 64)), .http(status: 502), contains: "HTML")
        let g = try Fixture()
        g.server.inject(.htmlBody, on: .images)
        XCTAssertAPIError(try g.client().generateImage(ImageRequest(prompt: "p", width: 64, height: 64)), .badResponse, contains: "HTML")
    }

    func testMalformedJSON() throws {
        let f = try Fixture()
        let j = try job(f)
        f.server.inject(.malformedJSON, on: .videoPoll)
        XCTAssertAPIError(try f.client().waitForVideo(j), .badResponse, contains: "not a JSON object")
    }

    func testAuthErrorsAndRedaction() throws {
        let f = try Fixture()
        XCTAssertAPIError(try f.client(key: "sk-wrong-key-abcdef").chat(prompt: "x"), .unauthorized, contains: "valid API key")
        do {
            _ = try f.client(key: "sk-wrong-key-abcdef").chat(prompt: "x")
        } catch {
            XCTAssertFalse("\(error)".contains("sk-wrong-key-abcdef"))
        }
        XCTAssertAPIError(try f.client(key: "broke-key-0000").chat(prompt: "x"), .unauthorized, contains: "credits")
        f.server.inject(.status(401), on: .videoPoll)
        let j = try job(f)
        XCTAssertAPIError(try f.client().waitForVideo(j), .unauthorized)
        // The server log has paths and statuses, never a key.
        XCTAssertFalse(f.server.requestLog.joined().contains(Fixture.key))
        XCTAssertEqual(Redactor(secrets: ["abcd1234"]).redact("x abcd1234 Bearer zzz9"), "x <redacted> Bearer <redacted>")
    }

    func testJobErrorInBothShapes() throws {
        let f = try Fixture()
        let a = try job(f)
        f.server.inject(.jobErrorMessage, on: .videoPoll)
        XCTAssertAPIError(try f.client().waitForVideo(a), .jobFailed, contains: "content moderation")
        let b = try job(f, endpoint: .universal)
        f.server.inject(.jobErrorDetail, on: .videoPoll)
        XCTAssertAPIError(try f.client().waitForVideo(b), .jobFailed, contains: "Could not detect face")
    }

    func testUnknownStatusIsNeverSuccess() throws {
        let f = try Fixture()
        let j = try job(f)
        f.server.inject(.unknownStatus("failed"), on: .videoPoll)
        XCTAssertAPIError(try f.client().waitForVideo(j), .jobFailed, contains: "unknown status 'failed'")
    }

    func testRegressionAndEmptyCompletionKeepPolling() throws {
        let f = try Fixture()
        let j = try job(f)
        f.server.inject(.regressToQueued, on: .videoPoll)
        f.server.inject(.completedWithoutVideo, on: .videoPoll)
        let s = try f.client().waitForVideo(j)
        XCTAssertEqual(s.status, "completed")
        XCTAssertNotNil(s.videoURL)
        XCTAssertEqual(f.server.requests(on: .videoPoll), 5)
    }

    func testDeadlineHonoured() throws {
        let f = try Fixture { $0.queuedPolls = 100_000 }
        let j = try job(f)
        let start = Date()
        XCTAssertAPIError(try f.client(deadline: 0.5).waitForVideo(j), .timeout, contains: "still 'queued'")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.0)
    }

    func testStalledAndResetDownloadsAreRetriedWithoutPartialFiles() throws {
        for fault in [StandInFault.stallDownload, .resetDownload] {
            let f = try Fixture()
            let j = try job(f)
            f.server.inject(fault, on: .download)
            let d = try f.client().downloadVideo(j, to: f.path("v.mp4"))
            XCTAssertEqual(f.server.requests(on: .download), 2, "\(fault)")
            XCTAssertGreaterThan(d.bytes, 0)
            XCTAssertEqual(f.files.filter { !$0.hasPrefix("in-") }, ["v.mp4"], "\(fault)")
            XCTAssertEqual(ffprobeFrames(f.path("v.mp4")), 10)
        }
        // Always stalling: fails after the attempts, leaves nothing behind.
        let f = try Fixture()
        let j = try job(f)
        f.server.inject(.resetDownload, on: .download, times: 10)
        XCTAssertAPIError(try f.client().downloadVideo(j, to: f.path("v.mp4")), .network)
        XCTAssertEqual(f.files.filter { !$0.hasPrefix("in-") }, [])
    }

    func testExpiredURLIsRefreshedByPollingAgain() throws {
        let f = try Fixture()
        let j = try job(f)
        f.server.inject(.expiredURL, on: .download)
        var refreshed = 0
        _ = try f.client().downloadVideo(j, to: f.path("v.mp4")) { if $0 == .refreshingURL { refreshed += 1 } }
        XCTAssertEqual(refreshed, 1)
        XCTAssertEqual(ffprobeFrames(f.path("v.mp4")), 10)
        // URLs that are always expired end with the 403.
        let g = try Fixture { $0.urlLifetime = -10 }
        let k = try job(g)
        XCTAssertAPIError(try g.client().downloadVideo(k, to: g.path("v.mp4")), .http(status: 403), contains: "expired")
    }

    func testWrongContentTypeAndSizeCapRefused() throws {
        let f = try Fixture()
        let j = try job(f)
        f.server.inject(.wrongContentType, on: .download)
        XCTAssertAPIError(try f.client().downloadVideo(j, to: f.path("v.mp4")), .download, contains: "text/html")
        var small = f.client()
        small.maxVideoBytes = 100
        XCTAssertAPIError(try small.downloadVideo(j, to: f.path("v.mp4")), .download, contains: "limit")
        XCTAssertEqual(f.files.filter { !$0.hasPrefix("in-") }, [], "no partial files")
    }

    func testConnectionRefusedIsRetriedThenReported() throws {
        let f = try Fixture()
        let port = f.server.port
        f.server.stop()
        let c = AIMLClient(baseURL: "http://127.0.0.1:\(port)", key: APISecret(Fixture.key), http: f.http)
        XCTAssertAPIError(try c.chat(prompt: "x"), .network, contains: "after 4 attempts")
        XCTAssertEqual(f.retries.all.count, 3)
    }

    func testFaultSpellings() {
        XCTAssertEqual(StandInFault(parsing: "429:5"), .status(429, retryAfter: 5))
        XCTAssertEqual(StandInFault(parsing: "503"), .status(503, retryAfter: nil))
        XCTAssertEqual(StandInFault(parsing: "unknown-status:processing"), .unknownStatus("processing"))
        XCTAssertEqual(StandInFault(parsing: "stall"), .stallDownload)
        XCTAssertNil(StandInFault(parsing: "explode"))
    }

    func testDownloadedFilesHoldNoKey() throws {
        let f = try Fixture()
        let j = try job(f)
        _ = try f.client().downloadVideo(j, to: f.path("v.mp4"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: f.path("v.mp4")))
        XCTAssertNil(bytes.range(of: Data(Fixture.key.utf8)))
    }

    func testRetryAfterParsing() {
        XCTAssertEqual(RetryPolicy.parseRetryAfter("7"), 7)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        XCTAssertEqual(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:30 GMT", now: now), 10)
        XCTAssertNil(RetryPolicy.parseRetryAfter("soon"))
        let p = RetryPolicy(initialDelay: 1, maxDelay: 8, jitter: 0)
        XCTAssertEqual([1, 2, 3, 4, 5].map { p.delay(afterAttempt: $0, retryAfter: nil) }, [1, 2, 4, 8, 8])
        XCTAssertEqual(p.delay(afterAttempt: 1, retryAfter: 30), 30)
    }
}
