import CamsiftCore
import CMicroHTTPD
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The C entry points libmicrohttpd calls. Each is a non-capturing `@convention(c)` closure; the server's
/// `RequestPipeline` arrives as the `cls` pointer (unretained: `HTTPServer` keeps it alive until
/// `MHD_stop_daemon` has returned) and each request's `RequestState` travels in MHD's `con_cls` slot (retained
/// from the URI-log callback until the completion callback).
enum MHDCallbacks {
    /// `MHD_OPTION_URI_LOG_CALLBACK`: called once per request with the raw target (query included), before MHD
    /// unescapes it; what it returns becomes the request's `con_cls`.
    static let uriLog: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, OpaquePointer?)
        -> UnsafeMutableRawPointer? = { cls, uri, _ in
        if let cls { Unmanaged<RequestPipeline>.fromOpaque(cls).takeUnretainedValue().requestStates.add(1, ordering: .relaxed) }
        let raw = uri.map { Array(UnsafeBufferPointer(start: $0, count: strlen($0))).map { UInt8(bitPattern: $0) } } ?? []
        return Unmanaged.passRetained(RequestState(rawTarget: raw)).toOpaque()
    }

    /// The access handler (`MHD_AccessHandlerCallback`).
    static let access: MHD_AccessHandlerCallback = { cls, connection, url, method, version, upload, uploadSize, conCls in
        guard let cls, let connection, let method, let uploadSize, let conCls else { return .NO }
        let pipeline = Unmanaged<RequestPipeline>.fromOpaque(cls).takeUnretainedValue()
        if conCls.pointee == nil {
            // No URI-log call (should not happen): fall back to MHD's decoded URL, without a query.
            pipeline.requestStates.add(1, ordering: .relaxed)
            let raw = url.map { Array(String(cString: $0).utf8) } ?? []
            conCls.pointee = Unmanaged.passRetained(RequestState(rawTarget: raw)).toOpaque()
        }
        let state = Unmanaged<RequestState>.fromOpaque(conCls.pointee!).takeUnretainedValue()
        return pipeline.handle(connection, method: String(cString: method), version: version.map { String(cString: $0) } ?? "",
                               state: state, upload: upload, uploadSize: uploadSize)
    }

    /// `MHD_OPTION_NOTIFY_COMPLETED`: the request is over (answered, or its connection died); drop its state.
    static let completed: MHD_RequestCompletedCallback = { cls, _, conCls, _ in
        guard let conCls, let state = conCls.pointee else { return }
        if let cls { Unmanaged<RequestPipeline>.fromOpaque(cls).takeUnretainedValue().requestStates.subtract(1, ordering: .relaxed) }
        Unmanaged<RequestState>.fromOpaque(state).release()
        conCls.pointee = nil
    }

    /// `MHD_OPTION_EXTERNAL_LOGGER`: MHD's own complaints (connection limit reached, a client sending garbage) go
    /// to the operational log, at most one a second so a flood of bad clients cannot flood the journal.
    static let logger: MHD_LogCallback = { _, format, args in
        guard let format, let args else { return }
        let now = Int64(Monotonic.now())
        guard lastLog.exchange(now, ordering: .relaxed) != now else { return }
        var buffer = [CChar](repeating: 0, count: 512)
        _ = vsnprintf(&buffer, buffer.count, format, args)
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .replacingNewlines.trimmingSpaces
        OperationalLog.warning("http", "libmicrohttpd: \(text)")
    }

    private static let lastLog = Atomic<Int64>(0)
}

extension String {
    fileprivate var replacingNewlines: String { String(map { $0.isNewline ? " " : $0 }) }
}
