import WebServer

/// The console's answers beyond the server's conveniences: JSON errors for the script, and review frames that
/// may be cached (a review item's JPEG never changes; a camera's latest frame does and is never cached).
extension HTTPResponse {
    /// `{"ok": false, "error": message}` with the status, for the script to show.
    static func jsonError(_ status: Int, _ message: String) -> HTTPResponse {
        struct Failure: Encodable {
            var ok = false
            var error: String
        }
        return .json(Failure(error: message), status: status)
    }

    static func jpeg(_ bytes: [UInt8], cacheable: Bool) -> HTTPResponse {
        var r = HTTPResponse.jpeg(bytes)
        if cacheable { r.headers.append(("Cache-Control", "private, max-age=86400, immutable")) }
        return r
    }
}
