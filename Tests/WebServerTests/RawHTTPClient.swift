import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The tests' own HTTP/1.1 client over raw loopback sockets, independent of the server code: it sends exactly the
/// bytes a test writes (so malformed, oversized or half-sent requests are possible) and reads to EOF.
struct RawResponse {
    var status: Int
    /// Lower-cased names.
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
}

enum RawHTTP {
    /// A connected blocking socket to 127.0.0.1:`port`, with a receive timeout.
    static func connect(port: Int, timeout: Int = 5) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw ClientError(description: "connect to 127.0.0.1:\(port): errno \(e)")
        }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// Everything until EOF, a reset or the receive timeout.
    static func readAll(_ fd: Int32) -> [UInt8] {
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            data += buf[0..<n]
        }
        return data
    }

    /// Sends `raw` as is and parses the answer; nil when the server closed without one.
    static func exchange(port: Int, _ raw: [UInt8]) throws -> RawResponse? {
        let fd = try connect(port: port)
        defer { close(fd) }
        write(fd, raw)
        return parse(readAll(fd))
    }

    /// A well-formed request with `Host` and `Connection: close` (and `Content-Length` when there is a body).
    static func request(port: Int, _ target: String, headers: [(String, String)] = []) throws -> RawResponse {
        try request(port: port, "GET", target, headers: headers)
    }

    static func request(port: Int, _ method: String, _ target: String, headers: [(String, String)] = [],
                        body: [UInt8] = []) throws -> RawResponse {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        guard let response = try exchange(port: port, Array(head.utf8) + body) else {
            throw ClientError(description: "\(method) \(target): connection closed without a response")
        }
        return response
    }

    static func parse(_ data: [UInt8]) -> RawResponse? {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        guard data.count >= 4, let end = (0...(data.count - 4)).first(where: { Array(data[$0..<$0 + 4]) == crlf2 }) else {
            return nil
        }
        let head = String(decoding: data[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        return RawResponse(status: status, headers: headers, body: Array(data[(end + 4)...]))
    }
}
