import CCurl
import CamsiftCore
import Media

/// `camsift probe`: tries the brand paths on a host (or one given URL) concurrently on a curl loop, and keeps
/// what answers with an MJPEG stream or a JPEG whose first frame really decodes.
public final class CameraProber: Sendable {
    private let loop: CurlLoop
    private let options: IngestOptions

    public init(options: IngestOptions = IngestOptions()) throws {
        self.options = options
        loop = try CurlLoop(options: options)
    }

    /// `target` is `host`, `host:port`, `http(s)://host[:port]` (all brand paths) or a full URL with a path
    /// (that URL only). `timeout` bounds each request.
    public func probe(_ target: String, timeout: Double = 5) async -> [ProbeResult] {
        let candidates = Self.candidates(for: target)
        let results = await withTaskGroup(of: (Int, ProbeResult).self) { group in
            for (i, c) in candidates.enumerated() {
                group.addTask { (i, await self.probeOne(url: c.url, brand: c.brand, timeout: timeout)) }
            }
            var out: [(Int, ProbeResult)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return results
    }

    public func shutdown() async { await loop.shutdown() }

    static func candidates(for target: String) -> [(url: String, brand: String)] {
        var t = target
        if !t.contains("://") { t = "http://" + t }
        let afterScheme = t.range(of: "://")!.upperBound
        let pathStart = t[afterScheme...].firstIndex(where: { $0 == "/" || $0 == "?" })
        if let pathStart, t[pathStart...] != "/" {
            return [(t, "given")]
        }
        let base = pathStart.map { String(t[..<$0]) } ?? t
        return ProbePaths.all.map { (base + $0.path, $0.brand) }
    }

    private func probeOne(url: String, brand: String, timeout: Double) async -> ProbeResult {
        let loop = self.loop
        let options = self.options
        let raw = await withCheckedContinuation { (c: CheckedContinuation<ProbeTransferOutcome, Never>) in
            loop.post {
                ProbeTransfer.start(loop: loop, url: url, timeout: timeout, options: options) { c.resume(returning: $0) }
            }
        }
        var r = ProbeResult(url: url, brand: brand, status: raw.status, contentType: raw.contentType, error: raw.error)
        guard let jpeg = raw.jpeg, let kind = raw.kind else { return r }
        do {
            let decoder = try JPEGDecoder()
            let size = try jpeg.withUnsafeBytes { try decoder.header($0) }
            _ = try jpeg.withUnsafeBytes { try decoder.decode($0, width: 64, height: 64, fit: .crop) }
            r.kind = kind
            r.width = size.width
            r.height = size.height
        } catch {
            r.error = "answered \(raw.contentType ?? "without a content type") but the frame does not decode: \(error)"
        }
        return r
    }
}

struct ProbeTransferOutcome: Sendable {
    var status = 0
    var contentType: String?
    var kind: CameraKind?
    var jpeg: [UInt8]?
    var error: String?
}

/// One probe request on the loop thread: reads until the first complete JPEG (stream) or the whole body
/// (snapshot), then stops.
final class ProbeTransfer: HTTPTransferDelegate {
    private var parser: MJPEGParser
    private var frames: [[UInt8]] = []
    private var received = 0
    private var startsWithSOI = false
    private var outcome = ProbeTransferOutcome()
    private var isStream = false
    private let maxBytes: Int
    private let done: (ProbeTransferOutcome) -> Void
    private var selfRef: ProbeTransfer?

    private init(maxBytes: Int, done: @escaping (ProbeTransferOutcome) -> Void) {
        self.maxBytes = maxBytes
        self.done = done
        parser = MJPEGParser(maxPartBytes: maxBytes)
        parser.captureAll = true
    }

    static func start(loop: CurlLoop, url: String, timeout: Double, options: IngestOptions,
                      done: @escaping (ProbeTransferOutcome) -> Void) {
        let p = ProbeTransfer(maxBytes: options.maxPartBytes, done: done)
        do {
            let t = try HTTPTransfer(loop: loop, request: HTTPRequest(url: url, timeout: timeout), options: options,
                                     delegate: p)
            p.selfRef = p
            try t.start()
        } catch {
            p.selfRef = nil
            done(ProbeTransferOutcome(error: "\(error)"))
        }
    }

    func transferDidReceiveHeaders(_ t: HTTPTransfer) -> Bool {
        outcome.status = t.status
        outcome.contentType = t.contentType
        guard t.status < 400 else { return false }
        let ct = (t.contentType ?? "").lowercased()
        isStream = ct.hasPrefix("multipart/")
        return true
    }

    /// Kind is decided by content type when it is explicit, else by sniffing: a JPEG preceded by multipart
    /// text, or a second JPEG on the same response, is a stream (ffmpeg's mpjpeg server says
    /// `application/octet-stream`); a response that ends after one JPEG is a snapshot.
    func transfer(_ t: HTTPTransfer, didReceive bytes: UnsafeRawBufferPointer) -> Bool {
        if received == 0, let first = bytes.first { startsWithSOI = first == 0xFF }
        received += bytes.count
        parser.feed(bytes) { if case .frame(let f) = $0 { frames.append(f) } }
        if let f = frames.first, isStream || frames.count >= 2 || !startsWithSOI {
            outcome.kind = .mjpeg
            outcome.jpeg = f
            return false
        }
        return received <= maxBytes
    }

    func transferTick(_ t: HTTPTransfer) -> Bool { true }

    func transfer(_ t: HTTPTransfer, didCompleteWith result: CURLcode) {
        if outcome.status == 0 { outcome.status = t.status }
        if outcome.contentType == nil { outcome.contentType = t.contentType }
        if outcome.kind == nil && !isStream && t.status == 200 && startsWithSOI, let f = frames.first {
            outcome.kind = .snapshot
            outcome.jpeg = f
        }
        if outcome.kind == nil {
            if t.status >= 400 {
                outcome.error = "HTTP \(t.status)"
            } else if result != CURLE_OK {
                outcome.error = CurlError(result, detail: t.failureDetail).description
            } else {
                outcome.error = "no JPEG in the answer (\(outcome.contentType ?? "no content type"))"
            }
        }
        done(outcome)
        selfRef = nil
    }
}
