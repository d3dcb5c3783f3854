#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore

/// sd_notify(3) written by hand: one datagram per message to the AF_UNIX socket named by `$NOTIFY_SOCKET`
/// (a path, or an abstract name when it starts with `@`). Without `$NOTIFY_SOCKET` (not started by systemd)
/// every call is a no-op, so the daemon runs the same in a terminal.
///
/// Protocol: newline-separated `KEY=VALUE` assignments (sd_notify(3), "Description"): `READY=1`, `RELOADING=1`
/// with `MONOTONIC_USEC=` (required by Type=notify-reload, harmless for Type=notify), `STOPPING=1`,
/// `STATUS=…`, `WATCHDOG=1`.
public final class SystemdNotifier: Sendable {
    /// The socket address as given (`/run/systemd/notify` or `@name`); nil when disabled.
    public let address: String?
    /// The watchdog interval systemd expects pings within (`$WATCHDOG_USEC`), when it is for this process.
    public let watchdogInterval: Double?
    private let fd: Int32

    /// Reads `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` from `environment`.
    public convenience init(environment: [String: String]) throws(PipelineError) {
        var watchdog: Double?
        if let usec = environment["WATCHDOG_USEC"].flatMap({ UInt64($0) }), usec > 0 {
            let pidOK = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
            if pidOK { watchdog = Double(usec) / 1e6 }
        }
        try self.init(address: environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }, watchdogInterval: watchdog)
    }

    public init(address: String?, watchdogInterval: Double? = nil) throws(PipelineError) {
        self.address = address
        self.watchdogInterval = watchdogInterval
        guard let address else {
            fd = -1
            return
        }
        guard address.hasPrefix("/") || address.hasPrefix("@") else {
            throw PipelineError(.unavailable, "NOTIFY_SOCKET '\(address)' is neither a path nor an abstract '@' name")
        }
        guard address.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw PipelineError(.unavailable, "NOTIFY_SOCKET '\(address)' is longer than a unix socket path may be")
        }
        let s = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw .errno(.unavailable, "cannot create the sd_notify socket") }
        fd = s
    }

    deinit { if fd >= 0 { close(fd) } }

    public var isEnabled: Bool { fd >= 0 }

    /// Sends `message` (one or more `KEY=VALUE` lines). Returns false when disabled or the send failed
    /// (systemd gone, socket full); notification is best-effort by design.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard fd >= 0, let address else { return false }
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(address.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        let length = withUnsafeMutableBytes(of: &sa.sun_path) { dst -> Int in
            for (i, b) in pathBytes.enumerated() { dst[i] = b }
            return pathBytes.count
        }
        // Abstract names are length-delimited (no trailing NUL); paths include the NUL.
        let addrLen = socklen_t(MemoryLayout<sa_family_t>.size + length + (pathBytes.first == 0 ? 0 : 1))
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &sa) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sp, addrLen) }
            }
        }
        return sent == bytes.count
    }

    public func ready() { send("READY=1") }

    public func status(_ text: String) { send("STATUS=" + text.replacingNewlines()) }

    /// `RELOADING=1` with the monotonic timestamp systemd ≥ 253 asks for.
    public func reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=\(Monotonic.nanoseconds() / 1000)")
    }

    public func stopping() { send("STOPPING=1") }

    public func watchdog() { send("WATCHDOG=1") }
}

extension String {
    fileprivate func replacingNewlines() -> String { String(map { $0 == "\n" ? " " : $0 }) }
}
