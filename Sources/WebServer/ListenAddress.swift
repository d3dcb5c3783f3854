#if canImport(Glibc)
import Glibc
#endif

/// A parsed `HOST:PORT` (`127.0.0.1:9464`, `[::1]:8080`, `0.0.0.0:0`, `localhost:8080`) and the listening socket
/// bound to it.
///
/// We bind the socket ourselves and hand it to libmicrohttpd (`MHD_OPTION_LISTEN_SOCKET`) because MHD reports a
/// failed bind only as a NULL daemon; here the errno survives, so a taken port becomes "address in use, change
/// the config key" instead of "could not start".
struct ListenAddress: Sendable {
    let host: String
    let port: Int
    /// Numeric form for `inet_pton` (`localhost` → `127.0.0.1`).
    let numericHost: String
    let isIPv6: Bool

    init(parsing address: String, configKey: String = "console") throws(WebServerError) {
        let example = "e.g. 127.0.0.1:8080 or [::1]:8080"
        guard let colon = address.lastIndex(of: ":"), let p = Int(address[address.index(after: colon)...]),
              (0...65535).contains(p) else {
            throw WebServerError(.invalidAddress, "\"\(configKey)\" address '\(address)' must be HOST:PORT, \(example)")
        }
        var h = String(address[..<colon])
        var v6 = false
        if h.hasPrefix("[") && h.hasSuffix("]") {
            h = String(h.dropFirst().dropLast())
            v6 = true
        }
        host = h
        port = p
        isIPv6 = v6
        numericHost = h == "localhost" ? "127.0.0.1" : h
        var probe = in6_addr()
        let family = v6 ? AF_INET6 : AF_INET
        guard !h.isEmpty, inet_pton(family, numericHost, &probe) == 1 else {
            throw WebServerError(
                .invalidAddress,
                "\"\(configKey)\" address '\(address)': '\(h)' is not a numeric \(v6 ? "IPv6" : "IPv4") address, \(example)")
        }
    }

    /// 127.0.0.0/8, `::1` or `localhost`: nothing off this host can connect.
    var isLoopback: Bool {
        if isIPv6 { return numericHost == "::1" || Self.isLoopbackPeer(numericHost) }
        return numericHost.hasPrefix("127.")
    }

    /// Whether a peer address string (as `inet_ntop` printed it) is loopback, including IPv4-mapped IPv6.
    static func isLoopbackPeer(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.lowercased().hasPrefix("::ffff:127.")
    }

    /// A listening, non-blocking, close-on-exec TCP socket on this address, and the port it got (for port 0).
    func bindListeningSocket(backlog: Int32, configKey: String) throws(WebServerError) -> (fd: Int32, port: Int) {
        let family = isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .errno(.bind, "socket() for \(display)") }
        var one: Int32 = 1
        // Restarting camsift must not wait for TIME_WAIT connections of its previous run.
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = sockaddr_storage()
        let length: socklen_t
        if isIPv6 {
            length = withUnsafeMutableBytes(of: &storage) { raw in
                let a = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                a.pointee.sin6_family = sa_family_t(AF_INET6)
                a.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                _ = inet_pton(AF_INET6, numericHost, &a.pointee.sin6_addr)
                return socklen_t(MemoryLayout<sockaddr_in6>.size)
            }
        } else {
            length = withUnsafeMutableBytes(of: &storage) { raw in
                let a = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                a.pointee.sin_family = sa_family_t(AF_INET)
                a.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                _ = inet_pton(AF_INET, numericHost, &a.pointee.sin_addr)
                return socklen_t(MemoryLayout<sockaddr_in>.size)
            }
        }
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0, listen(fd, backlog) == 0 else {
            let e = errno
            close(fd)
            let hint = e == EADDRINUSE
                ? "the port is taken (another camsift or exporter?): change \"\(configKey)\" in the config, or stop the other process"
                : e == EADDRNOTAVAIL ? "no interface of this host has that address: change \"\(configKey)\" in the config"
                : "change \"\(configKey)\" in the config"
            throw .errno(.bind, "cannot listen on \(display): \(hint)", errno: e)
        }
        var bound = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let boundPort = withUnsafeBytes(of: &bound) { raw in
            isIPv6 ? raw.load(as: sockaddr_in6.self).sin6_port : raw.load(as: sockaddr_in.self).sin_port
        }
        return (fd, Int(UInt16(bigEndian: boundPort)))
    }

    var display: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
