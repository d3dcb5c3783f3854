import CamsiftCore

/// Syntax checks for camera URLs, strict enough to catch typos before a worker spends its backoff on them,
/// loose enough for everything FFmpeg and libcurl accept. Messages only ever show the redacted URL.
enum RegistryURL {
    struct Finding {
        var message: String
        var fix: String
        var isError: Bool
    }

    /// The lower-cased scheme when `url` starts with a syntactically valid one (RFC 3986 §3.1).
    static func scheme(of url: String) -> String? {
        guard let colon = url.utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let s = url.utf8[..<colon]
        guard let first = s.first, isAlpha(first),
              s.allSatisfy({ isAlpha($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { return nil }
        return String(decoding: s, as: UTF8.self).lowercased()
    }

    private static func isAlpha(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }

    /// Kinds whose allowed schemes include `scheme`, for "use kind 'stream'" suggestions.
    static func kinds(accepting scheme: String) -> [CameraKind] {
        CameraKind.allCases.filter { $0.allowedSchemes.contains(scheme) }
    }

    static func example(for kind: CameraKind) -> String {
        switch kind {
        case .mjpeg: "http://192.0.2.10/mjpg/video.mjpg"
        case .snapshot: "http://192.0.2.10/snapshot.jpg"
        case .rtmp: "rtmp://192.0.2.10/live/stream"
        case .stream: "rtsp://192.0.2.10/stream1 or file:///path/video.mp4"
        }
    }

    /// Problems with `url` for a camera of `kind`; empty when it is fine. `field` names the field for fixes.
    static func check(_ url: String, kind: CameraKind?, field: String) -> [Finding] {
        // Built only when a message needs it: this runs for every camera of every load.
        var shown: String { URLRedaction.redact(url) }
        if url.isEmpty {
            return [Finding(message: "is empty", fix: "set \"\(field)\" to the camera's address, e.g. \(example(for: kind ?? .snapshot))", isError: true)]
        }
        if let bad = url.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            let what = bad == " " ? "a space" : "control character \(bad.escaped(asASCII: true))"
            return [Finding(message: "'\(shown)' contains \(what)",
                            fix: "remove it, or percent-encode it (a space is %20)", isError: true)]
        }
        guard let scheme = scheme(of: url) else {
            return [Finding(message: "'\(shown)' has no scheme",
                            fix: "write a full URL such as \(example(for: kind ?? .snapshot))", isError: true)]
        }
        var findings: [Finding] = []
        let rest = url.dropFirst(scheme.count + 1)
        if scheme == "file" {
            if !rest.hasPrefix("/") {
                findings.append(Finding(message: "'\(shown)' is not an absolute file URL",
                                        fix: "write file:///absolute/path/video.mp4", isError: true))
            }
        } else {
            if !rest.hasPrefix("//") {
                findings.append(Finding(message: "'\(shown)' has no '//' after '\(scheme):'",
                                        fix: "write \(scheme)://host/path", isError: true))
            } else {
                let afterSlashes = rest.dropFirst(2)
                let authority = afterSlashes.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
                var hostPort = authority
                if let at = authority.lastIndex(of: "@") {
                    let userinfo = authority[..<at]
                    hostPort = authority[authority.index(after: at)...]
                    if userinfo.contains(":") {
                        findings.append(Finding(
                            message: "'\(shown)' embeds a password (it is redacted in logs but stored in plain text)",
                            fix: "move the credentials to \"auth\": {\"user\": ..., \"passwordFile\": \"/etc/camsift/secrets/NAME\"}",
                            isError: false))
                    }
                }
                if let f = checkHostPort(hostPort, shown: shown, scheme: scheme) { findings.append(f) }
            }
        }
        if let kind, !kind.allowedSchemes.contains(scheme) {
            let allowed = kind.allowedSchemes.sorted().joined(separator: ", ")
            let others = kinds(accepting: scheme).map { "\"\($0.rawValue)\"" }
            let fix = others.isEmpty
                ? "use a URL with one of: \(allowed)"
                : "set \"kind\" to \(others.joined(separator: " or ")), or use a URL with one of: \(allowed)"
            findings.append(Finding(message: "scheme '\(scheme)' does not fit kind '\(kind.rawValue)' (it takes \(allowed))",
                                    fix: fix, isError: true))
        }
        return findings
    }

    private static func checkHostPort(_ hp: Substring, shown: String, scheme: String) -> Finding? {
        var host = hp
        var port: Substring?
        if hp.hasPrefix("[") {
            guard let close = hp.firstIndex(of: "]") else {
                return Finding(message: "'\(shown)' has an unclosed '[' in its IPv6 address",
                               fix: "write \(scheme)://[::1]:port/path", isError: true)
            }
            host = hp[hp.index(after: hp.startIndex)..<close]
            let after = hp[hp.index(after: close)...]
            if after.hasPrefix(":") { port = after.dropFirst() } else if !after.isEmpty {
                return Finding(message: "'\(shown)' has text after the IPv6 address", fix: "write \(scheme)://[addr]:port/path", isError: true)
            }
        } else if let colon = hp.lastIndex(of: ":") {
            host = hp[..<colon]
            port = hp[hp.index(after: colon)...]
        }
        if host.isEmpty {
            return Finding(message: "'\(shown)' has no host", fix: "write \(scheme)://HOST/path, e.g. \(scheme)://127.0.0.1/...", isError: true)
        }
        if let port {
            guard let n = Int(port), n >= 1, n <= 65535 else {
                return Finding(message: "'\(shown)' has port '\(port)', which is not a number from 1 to 65535",
                               fix: "fix the port after ':' or drop it to use the scheme's default", isError: true)
            }
        }
        return nil
    }
}
