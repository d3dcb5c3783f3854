#if canImport(Glibc)
import Glibc
#endif

/// What one request has accumulated between libmicrohttpd's calls to the access handler (first the headers, then
/// body chunks, then a final call). MHD keeps it in the connection's `con_cls` slot: created by the URI-log
/// callback (the only place the raw target with its query is seen), released by the completion callback.
///
/// Not `Sendable` and needs no lock: MHD drives a connection from one polling thread only.
final class RequestState {
    /// The raw request target as sent (`/a%20b?x=1`).
    let rawTarget: [UInt8]
    var started = false
    var method = ""
    var headers: [String: String] = [:]
    /// Request line plus header lines, as `HTTPLimits.maxHeaderBytes` counts them.
    var headerBytes = 0
    var body: [UInt8] = []
    var remoteAddress = ""
    var isLoopback = false

    init(rawTarget: [UInt8]) {
        self.rawTarget = rawTarget
    }

    /// One header line from MHD; a repeated name keeps both values, comma-joined.
    func addHeader(name: String, value: String) {
        let key = name.lowercased()
        headers[key] = headers[key].map { "\($0), \(value)" } ?? value
        headerBytes += name.utf8.count + value.utf8.count + 4
    }

    /// The peer as text, from the `sockaddr` MHD accepted.
    func setRemote(_ address: UnsafePointer<sockaddr>?) {
        guard let address else { return }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                var addr = a.pointee.sin_addr
                _ = inet_ntop(AF_INET, &addr, &text, socklen_t(text.count))
            }
        case AF_INET6:
            address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                var addr = a.pointee.sin6_addr
                _ = inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
            }
        default:
            return
        }
        remoteAddress = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        isLoopback = ListenAddress.isLoopbackPeer(remoteAddress)
    }

    /// The finished request for the handler (the form is parsed only for URL-encoded POSTs).
    func request() -> HTTPRequest {
        let (path, query) = URLEncoding.splitTarget(rawTarget)
        var r = HTTPRequest(method: method, path: path, query: query, headers: headers, body: body,
                            remoteAddress: remoteAddress, isLoopback: isLoopback)
        if method == "POST" && r.isURLEncodedForm { r.form = URLEncoding.fields(body) }
        return r
    }
}
