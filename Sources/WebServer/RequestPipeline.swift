import CamsiftCore
import CMicroHTTPD
import Synchronization

/// One server's request path, run inside libmicrohttpd's access-handler callback: the limit and access checks on
/// the first call, body accumulation on the next ones, then the handler once, and the response with its security
/// headers. Immutable, so the polling threads share it without locks.
final class RequestPipeline: Sendable {
    let limits: HTTPLimits
    let access: AccessPolicy
    let handler: any HTTPHandler
    /// `RequestState`s alive (retained into MHD's `con_cls`, not yet released): 0 once requests are over, which
    /// the tests check so that no path through the callbacks leaks one.
    let requestStates = Atomic<Int>(0)

    init(limits: HTTPLimits, access: AccessPolicy, handler: any HTTPHandler) {
        self.limits = limits
        self.access = access
        self.handler = handler
    }

    /// One call of MHD's access handler for `state`'s request. `uploadSize` is MHD's in/out count of body bytes
    /// offered in `upload`; setting it to 0 consumes them.
    func handle(_ connection: OpaquePointer, method: String, version: String, state: RequestState,
                upload: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>) -> MHD_Result {
        if !state.started {
            state.started = true
            state.method = method
            state.headerBytes = method.utf8.count + state.rawTarget.count + version.utf8.count + 4
            collectHeaders(connection, into: state)
            state.setRemote(camsift_mhd_client_address(connection))
            if let refusal = earlyRefusal(state) {
                return queue(refusal, on: connection, method: method)
            }
            return .YES
        }
        if uploadSize.pointee > 0, let upload {
            let n = uploadSize.pointee
            guard state.body.count + n <= limits.maxBodyBytes else {
                // A chunked upload past the limit: MHD cannot queue a response mid-body, so close the connection.
                OperationalLog.warning("http", "closing \(state.remoteAddress): \(method) body over \(limits.maxBodyBytes) bytes")
                return .NO
            }
            upload.withMemoryRebound(to: UInt8.self, capacity: n) { state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
            uploadSize.pointee = 0
            return .YES
        }
        let request = state.request()
        if method == "POST", let refusal = access.csrfRefusal(headers: request.headers, form: request.form) {
            return queue(refusal, on: connection, method: method)
        }
        return queue(handler.respond(to: request), on: connection, method: method)
    }

    /// Everything decidable from the request line and headers, before any body is read: 405, 414, 431, the
    /// access rules (403/401, Origin), and 413 for a declared body over the limit.
    private func earlyRefusal(_ state: RequestState) -> HTTPResponse? {
        guard HTTPLimits.allowedMethods.contains(state.method) else {
            var r = HTTPResponse.status(405, "\(state.method) is not served")
            r.headers.append(("Allow", "GET, HEAD, POST"))
            return r
        }
        if state.rawTarget.count > limits.maxURLBytes {
            return .status(414, "the URL is longer than \(limits.maxURLBytes) bytes")
        }
        if state.headerBytes > limits.maxHeaderBytes {
            return .status(431, "the request headers exceed \(limits.maxHeaderBytes) bytes")
        }
        if let refusal = access.refusal(method: state.method, headers: state.headers, isLoopback: state.isLoopback) {
            return refusal
        }
        if let length = state.headers["content-length"].flatMap({ Int($0.trimmingSpaces) }), length > limits.maxBodyBytes {
            return .status(413, "the body is \(length) bytes, the limit is \(limits.maxBodyBytes)")
        }
        return nil
    }

    private func collectHeaders(_ connection: OpaquePointer, into state: RequestState) {
        let iterator: MHD_KeyValueIterator = { cls, _, key, value in
            guard let cls, let key else { return .YES }
            let state = Unmanaged<RequestState>.fromOpaque(cls).takeUnretainedValue()
            state.addHeader(name: String(cString: key), value: value.map { String(cString: $0) } ?? "")
            return .YES
        }
        _ = MHD_get_connection_values(connection, .HEADER_KIND, iterator, Unmanaged.passUnretained(state).toOpaque())
    }

    /// Hands `response` to MHD with the security headers; MHD copies the body (`.RESPMEM_MUST_COPY`), so the
    /// Swift array may go away, and leaves it out for HEAD while keeping its `Content-Length`.
    func queue(_ response: HTTPResponse, on connection: OpaquePointer, method: String) -> MHD_Result {
        MHDCall.inCallback { () throws(WebServerError) -> MHD_Result in
            var body = response.body
            let mhdResponse = try MHDCall.check(
                body.withUnsafeMutableBytes { MHD_create_response_from_buffer($0.count, $0.baseAddress, .RESPMEM_MUST_COPY) },
                "MHD_create_response_from_buffer(\(body.count) bytes)")
            defer { MHD_destroy_response(mhdResponse) }
            var headers = [("Content-Type", response.contentType)] + response.headers + SecurityHeaders.all
            if !response.hasHeader("Cache-Control") { headers.append(("Cache-Control", "no-store")) }
            for (name, value) in headers {
                try MHDCall.check(MHD_add_response_header(mhdResponse, name, value), "the response header '\(name): \(value)'")
            }
            try MHDCall.check(MHD_queue_response(connection, UInt32(response.status), mhdResponse),
                              "MHD_queue_response(\(response.status)) for \(method)")
            return .YES
        }
    }
}
