import CCurl
import CamsiftCore

/// Turns HTTP statuses and libcurl results into `IngestError`s whose messages say what to fix.
enum HTTPStatusCheck {
    static func error(status: Int, camera: Camera) -> IngestError? {
        guard status >= 400 else { return nil }
        let url = camera.redactedURL
        let hint: String
        switch status {
        case 401: hint = "the camera wants credentials: set auth.user and auth.passwordFile in its registry entry"
        case 403: hint = "the server refuses access; check the camera's auth or whether it blocks this address"
        case 404, 410: hint = "the path does not exist; run `camsift probe` on the host to find the camera's path"
        default: hint = "server error; retrying with backoff"
        }
        return IngestError(.http, "camera '\(camera.id)': HTTP \(status) from \(url): \(hint)", httpStatus: status)
    }

    static func transportError(_ rc: CURLcode, detail: String, camera: Camera) -> IngestError? {
        guard rc != CURLE_OK else { return nil }
        let cause = CurlError(rc, detail: URLRedaction.redact(detail))
        let url = camera.redactedURL
        let code: IngestError.Code = rc == CURLE_OPERATION_TIMEDOUT ? .timeout : .curl
        let what: String
        switch rc {
        case CURLE_COULDNT_RESOLVE_HOST: what = "cannot resolve the host of \(url); check the host name"
        case CURLE_COULDNT_CONNECT: what = "cannot connect to \(url) (refused or unreachable)"
        case CURLE_OPERATION_TIMEDOUT: what = "\(url) timed out (connect, low-speed or request timeout)"
        case CURLE_TOO_MANY_REDIRECTS: what = "\(url) redirects in a loop; point the registry at the final URL"
        case CURLE_SSL_CONNECT_ERROR: what = "TLS handshake with \(url) failed; is it really https?"
        default: what = "transfer from \(url) failed"
        }
        return IngestError(code, "camera '\(camera.id)': \(what)", cause: cause)
    }
}
