import CCurl
import Foundation

#if canImport(Glibc)
import Glibc
#endif

private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// Where a transfer's body goes and what it may be.
final class TransferSink {
    var headers: [String: String] = [:]
    var status: Int = 0
    var bytes: Int64 = 0
    var maxBytes: Int64
    /// Body in memory when `fd` is -1.
    var data = Data()
    var fd: Int32 = -1
    /// Content types (prefixes) a 2xx body may have; empty accepts any.
    var acceptedTypes: [String] = []
    var abortReason: String?
    var checkedHeaders = false

    init(maxBytes: Int64) { self.maxBytes = maxBytes }

    func headerLine(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            // A new response (redirect, 100-continue): forget the previous one's headers.
            headers = [:]
            let parts = trimmed.split(separator: " ")
            if parts.count >= 2, let s = Int(parts[1]) { status = s }
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = trimmed[..<colon].lowercased()
        let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        headers[name] = value
    }

    /// False aborts the transfer.
    func write(_ ptr: UnsafeRawPointer, _ n: Int) -> Bool {
        if !checkedHeaders {
            checkedHeaders = true
            if (200..<300).contains(status) {
                if let len = headers["content-length"].flatMap(Int64.init), len > maxBytes {
                    abortReason = "the server announced \(len) bytes, more than the limit of \(maxBytes)"
                    return false
                }
                if !acceptedTypes.isEmpty {
                    let type = HTTPResponse.mediaType(of: headers["content-type"] ?? "")
                    if !acceptedTypes.contains(where: { type.hasPrefix($0) }) {
                        abortReason = "the server sent content type '\(type.isEmpty ? "none" : type)', expected \(acceptedTypes.joined(separator: " or "))"
                        return false
                    }
                }
            }
        }
        bytes += Int64(n)
        if bytes > maxBytes {
            abortReason = "more than the limit of \(maxBytes) bytes"
            return false
        }
        // Error bodies of downloads are kept in memory (small, capped) for the message.
        if fd >= 0 && (200..<300).contains(status) {
            var off = 0
            while off < n {
                let w = Glibc.write(fd, ptr + off, n - off)
                if w <= 0 {
                    abortReason = "cannot write the file: \(String(cString: strerror(errno)))"
                    return false
                }
                off += w
            }
        } else {
            data.append(ptr.assumingMemoryBound(to: UInt8.self), count: n)
        }
        return true
    }
}

/// The outcome of one attempt: a response, or a libcurl failure.
enum TransferOutcome {
    case response(HTTPResponse)
    case failure(code: Int, message: String, retryable: Bool)
}

/// Settings of one libcurl easy transfer.
struct TransferSettings {
    var connectTimeout: Double
    var timeout: Double
    /// Abort when fewer than 1 byte per second arrive for this long (a stalled server).
    var stallTimeout: Double
    var followRedirects: Bool
    var caBundle: String?
}

enum CurlTransfer {
    static func perform(_ request: HTTPRequest, settings: TransferSettings, sink: TransferSink) -> TransferOutcome {
        _ = curlGlobalInit
        guard let h = curl_easy_init() else {
            return .failure(code: -1, message: "libcurl could not start a transfer", retryable: false)
        }
        defer { curl_easy_cleanup(h) }
        var errbuf = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var list: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(list) }
        for (name, value) in request.headers { list = curl_slist_append(list, "\(name): \(value)") }
        if request.body != nil && !request.headers.contains(where: { $0.name.lowercased() == "expect" }) {
            // No 100-continue round trip: the bodies are small.
            list = curl_slist_append(list, "Expect:")
        }
        let unmanaged = Unmanaged.passUnretained(sink)
        let code: CURLcode = errbuf.withUnsafeMutableBufferPointer { eb in
            request.url.withCString { url -> CURLcode in
                _ = gs_curl_setopt_string(h, CURLOPT_URL, url)
                _ = gs_curl_setopt_pointer(h, CURLOPT_ERRORBUFFER, eb.baseAddress)
                _ = gs_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
                _ = gs_curl_setopt_string(h, CURLOPT_PROTOCOLS_STR, "http,https")
                _ = gs_curl_setopt_string(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
                _ = gs_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 1)
                _ = gs_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 2)
                if let ca = settings.caBundle { _ = gs_curl_setopt_string(h, CURLOPT_CAINFO, ca) }
                _ = gs_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(settings.connectTimeout * 1000)))
                _ = gs_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, max(1, Int(settings.timeout * 1000)))
                _ = gs_curl_setopt_long(h, CURLOPT_LOW_SPEED_LIMIT, 1)
                _ = gs_curl_setopt_long(h, CURLOPT_LOW_SPEED_TIME, max(1, Int(settings.stallTimeout.rounded(.up))))
                _ = gs_curl_setopt_long(h, CURLOPT_FOLLOWLOCATION, settings.followRedirects ? 1 : 0)
                _ = gs_curl_setopt_long(h, CURLOPT_MAXREDIRS, 5)
                _ = gs_curl_setopt_string(h, CURLOPT_USERAGENT, "gifsmith/1")
                _ = gs_curl_setopt_slist(h, CURLOPT_HTTPHEADER, list)
                _ = gs_curl_setopt_datafn(h, CURLOPT_WRITEFUNCTION) { ptr, size, n, ud in
                    let sink = Unmanaged<TransferSink>.fromOpaque(ud!).takeUnretainedValue()
                    let count = size * n
                    guard count > 0, let ptr else { return count }
                    return sink.write(UnsafeRawPointer(ptr), count) ? count : 0
                }
                _ = gs_curl_setopt_pointer(h, CURLOPT_WRITEDATA, unmanaged.toOpaque())
                _ = gs_curl_setopt_datafn(h, CURLOPT_HEADERFUNCTION) { ptr, size, n, ud in
                    let sink = Unmanaged<TransferSink>.fromOpaque(ud!).takeUnretainedValue()
                    let count = size * n
                    if let ptr, count > 0 {
                        let raw = UnsafeRawBufferPointer(start: ptr, count: count)
                        sink.headerLine(String(decoding: raw, as: UTF8.self))
                    }
                    return count
                }
                _ = gs_curl_setopt_pointer(h, CURLOPT_HEADERDATA, unmanaged.toOpaque())
                let method = request.method.uppercased()
                if let body = request.body {
                    return body.withUnsafeBytes { raw -> CURLcode in
                        _ = gs_curl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(raw.count))
                        // COPYPOSTFIELDS copies, so the buffer may go after setopt.
                        _ = gs_curl_setopt_pointer(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
                        if method != "POST" { _ = gs_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, method) }
                        return curl_easy_perform(h)
                    }
                }
                if method == "HEAD" { _ = gs_curl_setopt_long(h, CURLOPT_NOBODY, 1) }
                else if method != "GET" { _ = gs_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, method) }
                return curl_easy_perform(h)
            }
        }
        if code == CURLE_OK {
            var status: Int = 0
            _ = gs_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
            return .response(HTTPResponse(status: status, headers: sink.headers, body: sink.data))
        }
        if let reason = sink.abortReason {
            return .failure(code: Int(code.rawValue), message: reason, retryable: false)
        }
        let detail = String(decoding: errbuf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let retryable: Set<CURLcode> = [
            CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING,
            CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
        ]
        return .failure(code: Int(code.rawValue), message: text, retryable: retryable.contains(code))
    }
}
