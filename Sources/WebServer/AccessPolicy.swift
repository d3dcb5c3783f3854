import Foundation

/// Who may use a server, and the CSRF rule for POSTs.
///
/// - `.loopback` (the default): only clients on this host; no token. Safe because nothing off the host can
///   reach the socket, and refused clients get 403 even if the server was bound wider by mistake.
/// - `.token(_)`: every request must carry `Authorization: Bearer <token>`, or HTTP Basic with any user name and
///   the token as password (what a browser can send). Needed for any non-loopback console.
/// - `.open`: any client, no token. Only for `/metrics` alone on a network the operator restricts (a Kubernetes
///   pod IP behind a NetworkPolicy): `MetricsServer` never serves the console to non-loopback clients under it.
///
/// CSRF: a browser on the operator's machine may be visiting a hostile page that posts to the console. Every
/// POST must therefore carry `csrfToken` (random per process, embedded in the console's pages) in the
/// `X-CSRF-Token` header or the `csrf` form field, and a POST whose `Origin` names another host is refused.
/// GET and HEAD are not checked, so handlers must never change state on them (see `HTTPHandler`).
public struct AccessPolicy: Sendable {
    public enum Clients: Sendable, Equatable { case loopbackOnly, any }

    public let clients: Clients
    let token: [UInt8]?
    /// 64 hex digits (32 random bytes), the same for the life of the process unless set explicitly.
    public let csrfToken: String

    public init(clients: Clients, token: String?, csrfToken: String = AccessPolicy.processCSRFToken) {
        self.clients = clients
        self.token = token.map { Array($0.utf8) }
        self.csrfToken = csrfToken
    }

    public static var loopback: AccessPolicy { AccessPolicy(clients: .loopbackOnly, token: nil) }
    public static func token(_ token: String) -> AccessPolicy { AccessPolicy(clients: .any, token: token) }
    public static var open: AccessPolicy { AccessPolicy(clients: .any, token: nil) }

    /// Whether requests must authenticate.
    public var requiresToken: Bool { token != nil }

    /// The per-process CSRF token: new at each start, so a page from a previous run cannot post.
    public static let processCSRFToken: String = {
        var rng = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let b = UInt8.random(in: 0...255, using: &rng)
            return (b < 16 ? "0" : "") + String(b, radix: 16)
        }.joined()
    }()

    /// The policy for a console listening on `address` (`HOST:PORT`) with the `consoleTokenFile` config value
    /// `tokenFile` ("" for none): loopback without a token file, token access with one, and an error for a
    /// non-loopback address without one — the console labels training data and must not be open to a network.
    public static func resolve(address: String, tokenFile: String) throws(WebServerError) -> AccessPolicy {
        let endpoint = try ListenAddress(parsing: address)
        if tokenFile.isEmpty {
            guard endpoint.isLoopback else {
                throw WebServerError(
                    .accessPolicy,
                    "console address '\(address)' is not loopback, so it needs a token: set \"consoleTokenFile\" in the "
                        + "config to a file holding one, e.g. `head -c 32 /dev/urandom | base64 > /etc/camsift/console.token; "
                        + "chmod 600 /etc/camsift/console.token` (or bind \"console\" to 127.0.0.1:PORT)")
            }
            return .loopback
        }
        return .token(try readToken(tokenFile))
    }

    /// The file's first line without surrounding whitespace; a missing, unreadable or empty file is an error
    /// naming the file (the console must not start open because a path was mistyped).
    static func readToken(_ path: String) throws(WebServerError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw WebServerError(
                .tokenFile,
                "cannot read the console token file '\(path)' (\"consoleTokenFile\"): create it with "
                    + "`head -c 32 /dev/urandom | base64 > \(path); chmod 600 \(path)` and make it readable by camsift",
                cause: error)
        }
        let text = String(decoding: data, as: UTF8.self)
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingSpaces } ?? ""
        guard !token.isEmpty else {
            throw WebServerError(
                .tokenFile,
                "the console token file '\(path)' (\"consoleTokenFile\") is empty: put a token in it, e.g. "
                    + "`head -c 32 /dev/urandom | base64 > \(path)`")
        }
        return token
    }

    /// A refusal (401/403) for a request with these headers from this peer, or nil when it may proceed. For
    /// POSTs only the Origin part; the CSRF token is checked once the body (which may hold it) is read.
    func refusal(method: String, headers: [String: String], isLoopback: Bool) -> HTTPResponse? {
        if clients == .loopbackOnly && !isLoopback {
            return .status(403, "this server answers clients on its own host only")
        }
        if let token, !Self.authorizes(headers["authorization"], token: token) {
            var r = HTTPResponse.status(401, "send the console token (Authorization: Bearer, or as the Basic password)")
            r.headers.append(("WWW-Authenticate", "Basic realm=\"camsift\""))
            return r
        }
        if method == "POST", let origin = headers["origin"], !Self.origin(origin, matchesHost: headers["host"]) {
            return .status(403, "cross-origin POST refused (Origin \(origin))")
        }
        return nil
    }

    /// A 403 when a POST lacks the CSRF token in `X-CSRF-Token` or the `csrf` form field.
    func csrfRefusal(headers: [String: String], form: [String: String]) -> HTTPResponse? {
        let expected = Array(csrfToken.utf8)
        if let h = headers["x-csrf-token"], Self.constantTimeEquals(Array(h.utf8), expected) { return nil }
        if let f = form["csrf"], Self.constantTimeEquals(Array(f.utf8), expected) { return nil }
        return .status(403, "missing or wrong CSRF token (reload the page)")
    }

    /// Bearer `token`, or Basic with any user and `token` as the password.
    static func authorizes(_ authorization: String?, token: [UInt8]) -> Bool {
        guard let authorization else { return false }
        let parts = authorization.trimmingSpaces.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return false }
        let scheme = parts[0].lowercased(), credentials = parts[1].trimmingSpaces
        switch scheme {
        case "bearer":
            return constantTimeEquals(Array(credentials.utf8), token)
        case "basic":
            guard let decoded = Data(base64Encoded: credentials), let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
            else { return false }
            return constantTimeEquals(Array(decoded[decoded.index(after: colon)...]), token)
        default:
            return false
        }
    }

    /// Compares without an early exit, so response time does not reveal how many leading bytes were right.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        if a.count != b.count { diff |= 1 }
        for i in 0..<b.count { diff |= (i < a.count ? a[i] : 0) ^ b[i] }
        return diff == 0
    }

    /// `Origin: http://host:port` against `Host: host:port` (scheme ignored: the console speaks plain HTTP).
    static func origin(_ origin: String, matchesHost host: String?) -> Bool {
        guard let host, let schemeEnd = origin.range(of: "://") else { return false }
        let authority = origin[schemeEnd.upperBound...].split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return authority.lowercased() == host.trimmingSpaces.lowercased()
    }
}
