#if canImport(Glibc)
import Glibc
#endif
import CCurl
import Foundation

/// What a worker wants fetched. Built on the loop thread right before the transfer starts.
struct HTTPRequest {
    var url: String
    var headers: [String: String] = [:]
    var user: String?
    var password: String?
    /// Whole-request timeout in seconds; 0 for endless streams (MJPEG), which rely on low-speed limits.
    var timeout: Double = 0
    var ifNoneMatch: String?
    var ifModifiedSince: String?
}

/// Receives a transfer's events, on the loop thread.
protocol HTTPTransferDelegate: AnyObject {
    /// Response headers complete (after redirects). Return false to abort the transfer.
    func transferDidReceiveHeaders(_ t: HTTPTransfer) -> Bool
    /// Body bytes (already de-chunked by libcurl). Return false to abort.
    func transfer(_ t: HTTPTransfer, didReceive bytes: UnsafeRawBufferPointer) -> Bool
    /// Called by libcurl at least once a second. Return false to abort (watchdogs).
    func transferTick(_ t: HTTPTransfer) -> Bool
    func transfer(_ t: HTTPTransfer, didCompleteWith result: CURLcode)
}

/// One libcurl easy transfer, owned by the loop thread. The easy handle comes from the loop's pool and goes
/// back there when the transfer ends, so an idle camera holds no curl memory at all.
final class HTTPTransfer {
    let easy: UnsafeMutableRawPointer
    private unowned let loop: CurlLoop
    weak var delegate: (any HTTPTransferDelegate)?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var released = false

    // Response metadata of the final response (reset on each new status line, i.e. after redirects).
    private(set) var status = 0
    private(set) var contentType: String?
    private(set) var etag: String?
    private(set) var lastModified: String?
    private(set) var contentLength: Int?
    private var headersDelivered = false
    private(set) var bytesReceived = 0
    /// libcurl's error-buffer text of the finished transfer.
    private(set) var failureDetail = ""
    /// Set by the delegate when it aborts, so the completion can report the real reason.
    var abortReason: IngestError?

    init(loop: CurlLoop, request: HTTPRequest, options: IngestOptions, delegate: any HTTPTransferDelegate) throws {
        guard let e = loop.takeEasy() else { throw IngestError(.resource, "curl_easy_init failed: out of memory?") }
        easy = e
        self.loop = loop
        self.delegate = delegate
        errorBuffer[0] = 0
        do {
            try configure(request, options)
        } catch {
            release()
            throw error
        }
    }

    deinit { errorBuffer.deallocate() }

    private func configure(_ r: HTTPRequest, _ o: IngestOptions) throws {
        let me = Unmanaged.passUnretained(self).toOpaque()
        func setLong(_ opt: CURLoption, _ v: Int, _ name: String) throws {
            try CurlError.check(ccurl_easy_setopt_long(easy, opt, v), name)
        }
        try CurlError.check(ccurl_easy_setopt_str(easy, CURLOPT_URL, r.url), "CURLOPT_URL")
        try CurlError.check(ccurl_easy_setopt_ptr(easy, CURLOPT_PRIVATE, me), "CURLOPT_PRIVATE")
        try CurlError.check(ccurl_easy_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        try CurlError.check(ccurl_easy_setopt_writefn(easy, httpTransferWrite), "CURLOPT_WRITEFUNCTION")
        try CurlError.check(ccurl_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, me), "CURLOPT_WRITEDATA")
        try CurlError.check(ccurl_easy_setopt_headerfn(easy, httpTransferHeader), "CURLOPT_HEADERFUNCTION")
        try CurlError.check(ccurl_easy_setopt_ptr(easy, CURLOPT_HEADERDATA, me), "CURLOPT_HEADERDATA")
        try CurlError.check(ccurl_easy_setopt_xferinfofn(easy, httpTransferProgress), "CURLOPT_XFERINFOFUNCTION")
        try CurlError.check(ccurl_easy_setopt_ptr(easy, CURLOPT_XFERINFODATA, me), "CURLOPT_XFERINFODATA")
        try setLong(CURLOPT_NOPROGRESS, 0, "CURLOPT_NOPROGRESS")
        try setLong(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try setLong(CURLOPT_FOLLOWLOCATION, 1, "CURLOPT_FOLLOWLOCATION")
        try setLong(CURLOPT_MAXREDIRS, 5, "CURLOPT_MAXREDIRS")
        try CurlError.check(ccurl_easy_setopt_str(easy, CURLOPT_PROTOCOLS_STR, "http,https"), "CURLOPT_PROTOCOLS_STR")
        try CurlError.check(ccurl_easy_setopt_str(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
                            "CURLOPT_REDIR_PROTOCOLS_STR")
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, Int(o.connectTimeout * 1000), "CURLOPT_CONNECTTIMEOUT_MS")
        try setLong(CURLOPT_LOW_SPEED_LIMIT, o.lowSpeedLimit, "CURLOPT_LOW_SPEED_LIMIT")
        try setLong(CURLOPT_LOW_SPEED_TIME, max(1, Int(o.lowSpeedTime.rounded(.up))), "CURLOPT_LOW_SPEED_TIME")
        if r.timeout > 0 { try setLong(CURLOPT_TIMEOUT_MS, Int(r.timeout * 1000), "CURLOPT_TIMEOUT_MS") }
        if o.receiveBufferBytes != 16 << 10 {
            // Only when not libcurl's default: on a recycled handle 7.88 refuses to re-set it.
            try setLong(CURLOPT_BUFFERSIZE, o.receiveBufferBytes, "CURLOPT_BUFFERSIZE")
        }
        try setLong(CURLOPT_TCP_KEEPALIVE, 1, "CURLOPT_TCP_KEEPALIVE")
        // Public cameras commonly use self-signed certificates; frames are not secrets and we never send
        // credentials to a host we did not configure. Verification stays on for hosts (CURLOPT_SSL_VERIFYHOST).
        try setLong(CURLOPT_SSL_VERIFYPEER, 0, "CURLOPT_SSL_VERIFYPEER")
        try CurlError.check(ccurl_easy_setopt_str(easy, CURLOPT_USERAGENT, "camsift/1"), "CURLOPT_USERAGENT")
        try CurlError.check(ccurl_easy_setopt_str(easy, CURLOPT_ACCEPT_ENCODING, "identity"), "CURLOPT_ACCEPT_ENCODING")
        if let list = loop.resolveOverrides {
            try CurlError.check(ccurl_easy_setopt_slist(easy, CURLOPT_RESOLVE, list), "CURLOPT_RESOLVE")
        }
        if let user = r.user {
            try CurlError.check(ccurl_easy_setopt_str(easy, CURLOPT_USERNAME, user), "CURLOPT_USERNAME")
            try CurlError.check(ccurl_easy_setopt_str(easy, CURLOPT_PASSWORD, r.password ?? ""), "CURLOPT_PASSWORD")
            try setLong(CURLOPT_HTTPAUTH, 1 | 2 /* CURLAUTH_BASIC | CURLAUTH_DIGEST: cast macros Swift cannot import */, "CURLOPT_HTTPAUTH")
        }
        var lines = r.headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        if let v = r.ifNoneMatch { lines.append("If-None-Match: \(v)") }
        if let v = r.ifModifiedSince { lines.append("If-Modified-Since: \(v)") }
        for l in lines { headerList = curl_slist_append(headerList, l) }
        if headerList != nil {
            try CurlError.check(ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
        }
    }

    func start() throws { try loop.add(self) }

    /// Stops the transfer now (from outside a curl callback) and returns its handle to the pool.
    func cancel() {
        loop.remove(self)
        release()
    }

    private var errorDetail: String {
        String(cString: errorBuffer)
    }

    func complete(_ result: CURLcode) {
        var code: Int = 0
        _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        if code != 0 { status = code }
        failureDetail = errorDetail
        let d = delegate
        release()
        d?.transfer(self, didCompleteWith: result)
    }

    /// Returns the easy handle to the pool; idempotent.
    func release() {
        guard !released else { return }
        released = true
        curl_slist_free_all(headerList)
        headerList = nil
        loop.recycle(easy)
    }

    // MARK: callback bodies

    /// Parses one header line on bytes (no String per line: at 10,000 snapshot cameras this runs ~10,000
    /// times a second); only the status line and the four headers ingest uses become Strings.
    fileprivate func header(_ line: UnsafeRawBufferPointer) {
        let b = UnsafeBufferPointer(start: line.baseAddress?.assumingMemoryBound(to: UInt8.self), count: line.count)
        var end = b.count
        while end > 0 && (b[end - 1] == 13 || b[end - 1] == 10 || b[end - 1] == 32) { end -= 1 }
        if end >= 12 && b[0] == 0x48 && b[1] == 0x54 && b[2] == 0x54 && b[3] == 0x50 && b[4] == 0x2F {  // "HTTP/"
            var i = 5
            while i < end && b[i] != 32 { i += 1 }
            var code = 0
            i += 1
            while i < end, b[i] >= 48, b[i] <= 57 { code = code * 10 + Int(b[i] - 48); i += 1 }
            status = code
            contentType = nil; etag = nil; lastModified = nil; contentLength = nil
            return
        }
        guard let colon = (0..<end).first(where: { b[$0] == 58 }) else { return }
        func nameIs(_ lower: StaticString) -> Bool {
            guard colon == lower.utf8CodeUnitCount else { return false }
            let p = lower.utf8Start
            for k in 0..<colon where b[k] | 0x20 != p[k] { return false }
            return true
        }
        var v = colon + 1
        while v < end && (b[v] == 32 || b[v] == 9) { v += 1 }
        func value() -> String { String(decoding: UnsafeBufferPointer(rebasing: b[v..<end]), as: UTF8.self) }
        switch colon {
        case 12 where nameIs("content-type"): contentType = value()
        case 4 where nameIs("etag"): etag = value()
        case 13 where nameIs("last-modified"): lastModified = value()
        case 14 where nameIs("content-length"): contentLength = Int(value())
        default: break
        }
    }

    fileprivate func body(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytesReceived += bytes.count
        guard let d = delegate else { return false }
        if !headersDelivered {
            headersDelivered = true
            if !d.transferDidReceiveHeaders(self) { return false }
        }
        return d.transfer(self, didReceive: bytes)
    }

    fileprivate func tick() -> Bool { delegate?.transferTick(self) ?? false }
}

private let httpTransferWrite: curl_write_callback = { ptr, size, n, userp in
    guard let userp else { return 0 }
    let t = Unmanaged<HTTPTransfer>.fromOpaque(userp).takeUnretainedValue()
    let count = size * n
    let ok = t.body(UnsafeRawBufferPointer(start: ptr, count: count))
    return ok ? count : 0
}

private let httpTransferHeader: curl_write_callback = { ptr, size, n, userp in
    guard let userp else { return 0 }
    let t = Unmanaged<HTTPTransfer>.fromOpaque(userp).takeUnretainedValue()
    t.header(UnsafeRawBufferPointer(start: ptr, count: size * n))
    return size * n
}

private let httpTransferProgress: ccurl_xferinfo_callback = { userp, _, _, _, _ in
    guard let userp else { return 1 }
    return Unmanaged<HTTPTransfer>.fromOpaque(userp).takeUnretainedValue().tick() ? 0 : 1
}
