import CamsiftCore
import CMicroHTTPD

/// The one place that checks libmicrohttpd's results. MHD reports failure as `.NO` or NULL with no reason, so
/// the error must say which call on which server failed; in MHD's callbacks (which cannot throw) the same check
/// logs instead.
enum MHDCall {
    /// Throws `.library` naming `what` when `result` is `.NO`.
    static func check(_ result: MHD_Result, _ what: @autoclosure () -> String) throws(WebServerError) {
        guard result == .YES else { throw WebServerError(.library, "libmicrohttpd refused \(what())") }
    }

    /// Unwraps a pointer MHD returned, throwing `.library` naming `what` when it is NULL.
    static func check<T>(_ pointer: T?, _ what: @autoclosure () -> String) throws(WebServerError) -> T {
        guard let pointer else { throw WebServerError(.library, "libmicrohttpd returned NULL from \(what())") }
        return pointer
    }

    /// For callbacks: runs `body`; a failure is logged and becomes `.NO` (MHD then closes the connection).
    static func inCallback(_ body: () throws(WebServerError) -> MHD_Result) -> MHD_Result {
        do {
            return try body()
        } catch {
            OperationalLog.warning("http", error.description)
            return .NO
        }
    }
}
