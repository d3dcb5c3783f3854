import CCurl
import CamsiftCore
import Synchronization

/// One MJPEG camera: a long-lived GET on the shared curl loop, parsed by `MJPEGParser`, sampled every
/// `camera.interval`. All protocol state is confined to the loop thread; `CameraMonitor` is the shared side.
final class MJPEGWorker: CameraWorker, HTTPTransferDelegate, @unchecked Sendable {
    let camera: Camera
    private let ctx: HTTPContext
    let monitor: CameraMonitor

    // Loop-thread state.
    private var transfer: HTTPTransfer?
    private var parser: MJPEGParser
    private var generation = 0
    private var stopped = false
    private var nextSampleAt = 0.0
    private var lastProgressAt = 0.0
    private var lastFramesSeen = 0
    private var framesAtConnect = 0
    private var pendingBytes = 0
    private var noFrameTimeout: Double

    init(camera: Camera, context: HTTPContext) {
        self.camera = camera
        ctx = context
        monitor = CameraMonitor(camera: camera, options: context.options, sink: context.sink)
        parser = MJPEGParser(maxPartBytes: context.options.maxPartBytes)
        noFrameTimeout = max(context.options.noFrameTimeout, camera.timeout)
    }

    func start() {
        guard camera.enabled else { return }
        ctx.loop.post { [self] in connect() }
    }

    func stop() async {
        await ctx.loop.run { [self] in
            stopped = true
            generation += 1
            transfer?.cancel()
            transfer = nil
        }
        monitor.close()
    }

    func health() -> CameraHealth { monitor.health() }

    // MARK: loop thread

    private func connect() {
        guard !stopped else { return }
        parser.reset()
        parser.captureNext = true
        lastProgressAt = Monotonic.now()
        lastFramesSeen = parser.framesSeen
        framesAtConnect = parser.framesSeen
        do {
            let t = try HTTPTransfer(loop: ctx.loop, request: try ctx.request(for: camera), options: ctx.options,
                                     delegate: self)
            transfer = t
            try t.start()
        } catch let e as IngestError {
            transfer = nil
            retry(after: e)
        } catch {
            transfer = nil
            retry(after: IngestError(.resource, "cannot start \(camera.redactedURL): \(error)"))
        }
    }

    private func retry(after error: IngestError) {
        let delay = monitor.failed(error)
        let gen = generation
        ctx.loop.after(delay) { [self] in
            if gen == generation { connect() }
        }
    }

    func transferDidReceiveHeaders(_ t: HTTPTransfer) -> Bool {
        if let e = HTTPStatusCheck.error(status: t.status, camera: camera) {
            t.abortReason = e
            return false
        }
        if let ct = t.contentType?.lowercased(), ct.hasPrefix("text/") || ct.hasPrefix("application/json") {
            t.abortReason = IngestError(
                .noFrames, "camera '\(camera.id)': \(camera.redactedURL) serves '\(ct)', not MJPEG "
                    + "(multipart/x-mixed-replace); run `camsift probe` on the host to find the stream path")
            return false
        }
        return true
    }

    func transfer(_ t: HTTPTransfer, didReceive bytes: UnsafeRawBufferPointer) -> Bool {
        let now = Monotonic.now()
        pendingBytes += bytes.count
        if !parser.captureNext && now >= nextSampleAt { parser.captureNext = true }
        var frame: [UInt8]?
        parser.feed(bytes) { event in
            switch event {
            case .frame(let f): frame = f
            case .truncated: monitor.rejected(.truncated)
            case .oversized: monitor.rejected(.oversized)
            }
        }
        if parser.framesSeen != lastFramesSeen {
            // Success is a complete JPEG, not a 200: a camera that answers and then sends garbage is not up.
            if lastFramesSeen == framesAtConnect || frame != nil { monitor.succeeded() }
            lastFramesSeen = parser.framesSeen
            lastProgressAt = now
        }
        if let frame {
            nextSampleAt = max(nextSampleAt + camera.interval, now)
            if nextSampleAt > now + camera.interval { nextSampleAt = now + camera.interval }
            flushBytes()
            monitor.sampled()
            ctx.decoder.submit(DecodeJob(monitor: monitor, jpeg: frame, capturedAt: .now, wall: Timestamp.now()))
        }
        return true
    }

    func transferTick(_ t: HTTPTransfer) -> Bool {
        let now = Monotonic.now()
        flushBytes()
        // Before the response starts, connect/low-speed timeouts are in charge (a TLS handshake may be slow).
        if t.status != 0 && now - lastProgressAt > noFrameTimeout {
            t.abortReason = IngestError(
                .noFrames, "camera '\(camera.id)': no complete JPEG from \(camera.redactedURL) in "
                    + "\(Int(noFrameTimeout)) s although connected; check that the URL serves MJPEG")
            return false
        }
        return true
    }

    func transfer(_ t: HTTPTransfer, didCompleteWith result: CURLcode) {
        flushBytes()
        if transfer === t { transfer = nil }
        guard !stopped else { return }
        let error = t.abortReason
            ?? HTTPStatusCheck.error(status: t.status, camera: camera)
            ?? HTTPStatusCheck.transportError(result, detail: t.failureDetail, camera: camera)
            ?? IngestError(.connectionClosed,
                           "camera '\(camera.id)': \(camera.redactedURL) closed the MJPEG stream; reconnecting")
        retry(after: error)
    }

    private func flushBytes() {
        if pendingBytes > 0 {
            monitor.received(pendingBytes)
            pendingBytes = 0
        }
    }
}
