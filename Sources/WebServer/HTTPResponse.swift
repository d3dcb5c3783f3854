import Foundation

/// What a handler answers: status, content type, extra headers and the body bytes.
///
/// The server adds the security headers (`SecurityHeaders`) to every response, so handlers cannot forget them;
/// a handler only sets `Cache-Control` when a page may be cached (the default is `no-store`: the console shows
/// camera frames and labels, which must not linger in shared caches).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    /// Extra headers in order, e.g. `("Location", "/")`. `Content-Length` is computed by the server.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int = 200, contentType: String = "text/plain; charset=utf-8",
                headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// Plain UTF-8 text.
    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    /// An HTML page (UTF-8). Inline scripts and styles are blocked by the Content-Security-Policy: ship them as
    /// files under the same origin.
    public static func html(_ html: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(html.utf8))
    }

    /// `value` encoded with `JSONEncoder` (sorted keys, so responses diff well); a value that cannot be encoded is
    /// a 500 naming the type, not a crash of the polling thread.
    public static func json(_ value: some Encodable, status: Int = 200) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return json(bytes: Array(try encoder.encode(value)), status: status)
        } catch {
            return .status(500, "cannot encode \(type(of: value)) as JSON: \(error)")
        }
    }

    /// Already-encoded JSON bytes.
    public static func json(bytes: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: bytes)
    }

    /// A JPEG image (a camera frame).
    public static func jpeg(_ bytes: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: "image/jpeg", body: bytes)
    }

    /// 303 See Other: after a POST, the browser GETs `location` (post/redirect/get, so reloading does not re-post).
    public static func redirect(to location: String) -> HTTPResponse {
        HTTPResponse(status: 303, headers: [("Location", location)], body: Array("see \(location)\n".utf8))
    }

    /// An error status (4xx/5xx) with a short text body: `"404 Not Found: no camera 'x'\n"`.
    public static func status(_ code: Int, _ message: String = "") -> HTTPResponse {
        let reason = reasonPhrase(code)
        let line = message.isEmpty ? "\(code) \(reason)\n" : "\(code) \(reason): \(message)\n"
        return HTTPResponse(status: code, contentType: "text/plain; charset=utf-8", body: Array(line.utf8))
    }

    /// Whether the handler set `name` itself (case-insensitive).
    func hasHeader(_ name: String) -> Bool {
        headers.contains { $0.name.lowercased() == name.lowercased() }
    }

    static func reasonPhrase(_ code: Int) -> String {
        switch code {
        case 200: "OK"
        case 303: "See Other"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 422: "Unprocessable Content"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: code < 500 ? "Client Error" : "Server Error"
        }
    }
}

/// The headers every response carries, whatever the handler did: the console must not be framed (clickjacking on
/// the label buttons), run injected scripts, sniff types, or leak its URLs (camera ids) in `Referer`.
enum SecurityHeaders {
    static let all: [(String, String)] = [
        ("Content-Security-Policy",
         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
            + "base-uri 'none'; form-action 'self'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ]
}
