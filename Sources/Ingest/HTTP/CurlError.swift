import CCurl

/// A libcurl result code with curl's own text and the per-transfer error buffer detail. The single checking
/// helper for libcurl is `CurlError.check`.
public struct CurlError: Error, CustomStringConvertible, Sendable {
    public var code: Int
    public var detail: String

    init(_ code: CURLcode, detail: String = "") {
        self.code = Int(code.rawValue)
        self.detail = detail
    }

    var curlCode: CURLcode { CURLcode(rawValue: UInt32(code)) }

    public var description: String {
        let text = String(cString: curl_easy_strerror(curlCode))
        return detail.isEmpty ? "curl \(code): \(text)" : "curl \(code): \(text): \(detail)"
    }

    /// DNS failures and redirect loops do not heal in seconds; refused/reset/timeouts may.
    var isPermanent: Bool {
        switch curlCode {
        case CURLE_TOO_MANY_REDIRECTS, CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT: true
        default: false
        }
    }

    var isTimeout: Bool { curlCode == CURLE_OPERATION_TIMEDOUT }

    /// Throws for any code other than CURLE_OK; `what` names the call for the message.
    static func check(_ rc: CURLcode, _ what: @autoclosure () -> String) throws {
        guard rc != CURLE_OK else { return }
        throw IngestError(.curl, "libcurl \(what()) failed", cause: CurlError(rc))
    }

    static func check(_ rc: CURLMcode, _ what: @autoclosure () -> String) throws {
        guard rc != CURLM_OK else { return }
        let text = String(cString: curl_multi_strerror(rc))
        throw IngestError(.curl, "libcurl \(what()) failed: \(text)")
    }
}
