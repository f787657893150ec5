import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A request as the stand-in sees it.
public struct StandInRequest: Sendable {
    public var method: String
    /// The path without the query.
    public var path: String
    public var query: [String: String]
    /// Lower-cased names.
    public var headers: [String: String]
    public var body: Data
}

/// A response, or a misbehaviour of the connection.
struct StandInResponse: Sendable {
    enum Delivery: Sendable {
        case normal
        /// Send the headers and half the body, then go quiet until the client gives up.
        case stall
        /// Send the headers and half the body, then reset the connection.
        case reset
    }
    var status: Int
    var headers: [(String, String)]
    var body: Data
    var delivery: Delivery = .normal

    static func json(_ status: Int, _ object: Any, extra: [(String, String)] = []) -> StandInResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return StandInResponse(status: status, headers: [("Content-Type", "application/json")] + extra, body: data)
    }

    static func text(_ status: Int, _ text: String, type: String) -> StandInResponse {
        StandInResponse(status: status, headers: [("Content-Type", type)], body: Data(text.utf8))
    }
}

/// HTTP/1.1 on 127.0.0.1, one thread per connection, `Connection: close` after each answer.
final class LoopbackHTTPServer: @unchecked Sendable {
    private let listenFD: Int32
    let port: Int
    private let handler: @Sendable (StandInRequest) -> StandInResponse
    private let lock = NSLock()
    private var stopped = false
    /// How long a stalled answer stays quiet at most.
    let stallSeconds: Double

    init(port: Int = 0, stallSeconds: Double, handler: @escaping @Sendable (StandInRequest) -> StandInResponse) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StandInError("cannot create a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw StandInError("cannot listen on 127.0.0.1:\(port): \(e)")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.listenFD = fd
        self.port = Int(UInt16(bigEndian: addr.sin_port))
        self.handler = handler
        self.stallSeconds = stallSeconds
        let t = Thread { [self] in self.acceptLoop() }
        t.stackSize = 1 << 20
        t.start()
    }

    var isStopped: Bool { lock.withLock { stopped } }

    func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listenFD, Int32(SHUT_RDWR))
            close(listenFD)
        }
    }

    private func acceptLoop() {
        while !isStopped {
            let c = accept(listenFD, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                return
            }
            let t = Thread { [self] in self.serve(c) }
            t.stackSize = 4 << 20
            t.start()
        }
    }

    private func serve(_ fd: Int32) {
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard let request = readRequest(fd) else {
            close(fd)
            return
        }
        let response = handler(request)
        write(response, to: fd, head: request.method == "HEAD")
    }

    private func readRequest(_ fd: Int32) -> StandInRequest? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int? = nil
        while headerEnd == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
            if buffer.count > 1 << 20 { return nil }
            if let r = find(buffer, [13, 10, 13, 10]) { headerEnd = r }
        }
        let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(buffer[(headerEnd! + 4)...])
        let length = Int(headers["content-length"] ?? "0") ?? 0
        guard length <= 64 << 20 else { return nil }
        while body.count < length {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            body.append(contentsOf: chunk[0..<n])
        }
        let target = String(requestLine[1])
        var path = target
        var query: [String: String] = [:]
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            for pair in target[target.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                let key = kv[0].removingPercentEncoding ?? kv[0]
                let value = kv.count > 1 ? (kv[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? kv[1]) : ""
                query[key] = value
            }
        }
        return StandInRequest(method: String(requestLine[0]), path: path, query: query, headers: headers, body: Data(body.prefix(length)))
    }

    private func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    private func write(_ r: StandInResponse, to fd: Int32, head: Bool) {
        var text = "HTTP/1.1 \(r.status) \(LoopbackHTTPServer.reason(r.status))\r\n"
        for (k, v) in r.headers { text += "\(k): \(v)\r\n" }
        text += "Content-Length: \(r.body.count)\r\nConnection: close\r\n\r\n"
        var bytes = [UInt8](text.utf8)
        let body = [UInt8](r.body)
        switch r.delivery {
        case .normal:
            if !head { bytes += body }
            sendAll(fd, bytes)
            shutdown(fd, Int32(SHUT_WR))
            // Drain so the close does not reset a client still sending.
            var sink = [UInt8](repeating: 0, count: 4096)
            var tv = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            while recv(fd, &sink, sink.count, 0) > 0 {}
            close(fd)
        case .stall:
            sendAll(fd, bytes + body.prefix(body.count / 2))
            let until = Date().addingTimeInterval(stallSeconds)
            while Date() < until && !isStopped { Thread.sleep(forTimeInterval: 0.05) }
            close(fd)
        case .reset:
            sendAll(fd, bytes + body.prefix(body.count / 2))
            Thread.sleep(forTimeInterval: 0.05)
            var lin = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, socklen_t(MemoryLayout<linger>.size))
            close(fd)
        }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        bytes.withUnsafeBytes { raw in
            while off < raw.count {
                let n = send(fd, raw.baseAddress! + off, raw.count - off, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                off += n
            }
        }
    }

    static func reason(_ s: Int) -> String {
        switch s {
        case 200: return "OK"
        case 201: return "Created"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status"
        }
    }
}

/// What the stand-in fails with (bad configuration, a port that cannot be bound, media errors).
public struct StandInError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
