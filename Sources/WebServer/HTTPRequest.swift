/// One HTTP request as a handler sees it: already checked against `HTTPLimits` and `AccessPolicy`, body complete.
///
/// It is a plain value (no connection behind it) so handlers stay testable without a socket and cannot block
/// libmicrohttpd's polling thread by reading lazily.
public struct HTTPRequest: Sendable {
    /// Upper-case as sent: `GET`, `HEAD` or `POST` (others are refused with 405 before a handler runs).
    public var method: String
    /// Percent-decoded, without the query: `/cameras/lobby 1`.
    public var path: String
    /// The URL's query, percent- and `+`-decoded; the first value wins when a key repeats.
    public var query: [String: String]
    /// For POST with `Content-Type: application/x-www-form-urlencoded`: the body's fields (first value wins);
    /// empty otherwise.
    public var form: [String: String]
    /// Header names lower-cased; a repeated header keeps its values joined with ", " (RFC 9110 §5.3).
    public var headers: [String: String]
    public var body: [UInt8]
    /// The peer's address, e.g. `127.0.0.1` or `::1` (no port).
    public var remoteAddress: String
    /// Whether the peer is on this host (127.0.0.0/8, ::1, or ::ffff:127.x.y.z).
    public var isLoopback: Bool

    public init(method: String, path: String, query: [String: String] = [:], form: [String: String] = [:],
                headers: [String: String] = [:], body: [UInt8] = [], remoteAddress: String = "127.0.0.1",
                isLoopback: Bool = true) {
        self.method = method
        self.path = path
        self.query = query
        self.form = form
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.isLoopback = isLoopback
    }

    /// The header `name` (any case).
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Whether the body is a URL-encoded form (the only form encoding the console posts).
    var isURLEncodedForm: Bool {
        guard let type = headers["content-type"] else { return false }
        let media = type.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } ?? ""
        return media == "application/x-www-form-urlencoded"
    }
}

/// `application/x-www-form-urlencoded` and URL percent-decoding, done here rather than by libmicrohttpd: MHD's
/// unescaper does not turn `+` into a space, and we want one decoder for the query and the form alike.
enum URLEncoding {
    /// Splits `a=1&b=x+y&a=2` into `["a": "1", "b": "x y"]` (first value per key; keys without `=` map to "").
    static func fields(_ encoded: some Sequence<UInt8>) -> [String: String] {
        var result: [String: String] = [:]
        for pair in Array(encoded).split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0], plusIsSpace: true)
            guard !key.isEmpty, result[key] == nil else { continue }
            result[key] = parts.count > 1 ? decode(parts[1], plusIsSpace: true) : ""
        }
        return result
    }

    /// Percent-decodes `bytes` (invalid escapes are kept literally); `+` becomes a space only in queries and forms.
    static func decode(_ bytes: some Collection<UInt8>, plusIsSpace: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "%"), let h1 = bytes.index(i, offsetBy: 1, limitedBy: bytes.endIndex),
               h1 != bytes.endIndex, let h2 = bytes.index(h1, offsetBy: 1, limitedBy: bytes.endIndex), h2 != bytes.endIndex,
               let hi = hexValue(bytes[h1]), let lo = hexValue(bytes[h2]) {
                out.append(hi << 4 | lo)
                i = bytes.index(after: h2)
                continue
            }
            out.append(plusIsSpace && b == UInt8(ascii: "+") ? UInt8(ascii: " ") : b)
            i = bytes.index(after: i)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Splits a raw request target (`/a%20b?x=1`) into its decoded path and query fields.
    static func splitTarget(_ raw: [UInt8]) -> (path: String, query: [String: String]) {
        if let q = raw.firstIndex(of: UInt8(ascii: "?")) {
            return (decode(raw[..<q], plusIsSpace: false), fields(raw[(q + 1)...]))
        }
        return (decode(raw, plusIsSpace: false), [:])
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace), no Foundation needed.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
