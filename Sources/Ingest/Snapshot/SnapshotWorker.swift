import CCurl
import CamsiftCore
import Synchronization

/// One snapshot camera: a GET every `camera.interval` on the shared curl loop (keep-alive connections of the
/// multi handle are reused across all cameras of a host), conditional on the last `ETag`/`Last-Modified`, and a
/// body identical to the previous one (same 64-bit hash) is counted `duplicate` instead of decoded.
///
/// The first poll is placed at a random offset within one interval and each later one gets ±`pollJitter`
/// spread, so 10,000 cameras registered at once never fire in lock-step.
final class SnapshotWorker: CameraWorker, HTTPTransferDelegate, @unchecked Sendable {
    let camera: Camera
    private let ctx: HTTPContext
    let monitor: CameraMonitor

    // Loop-thread state.
    private var transfer: HTTPTransfer?
    private var generation = 0
    private var stopped = false
    private var body: [UInt8] = []
    private var etag: String?
    private var lastModified: String?
    private var lastHash: Int?
    /// Monotonic time of the last frame handed to the decoder (for `refreshUnchanged`).
    private var lastSubmittedAt = -Double.infinity
    private var nextPollAt = 0.0
    /// This poll cycle's share of `refreshUnchanged` (0.75–1): re-deliveries of static scenes drift apart instead
    /// of 10,000 cameras started together re-delivering in the same second every cycle.
    private var refreshFactor = 1.0
    /// Set from any thread when the decode queue or the batcher dropped our frame unseen; the next poll then
    /// forgets the ETag/hash so the camera is sent again instead of being silenced by its own dedupe.
    private let frameDropped = Atomic<Bool>(false)

    init(camera: Camera, context: HTTPContext) {
        self.camera = camera
        ctx = context
        monitor = CameraMonitor(camera: camera, options: context.options, sink: context.sink)
    }

    func start() {
        guard camera.enabled else { return }
        ctx.loop.post { [self] in
            let offset = Double.random(in: 0..<max(camera.interval, 0.001))
            nextPollAt = Monotonic.now() + offset
            schedule(at: nextPollAt)
        }
    }

    func stop() async {
        await ctx.loop.run { [self] in
            stopped = true
            generation += 1
            transfer?.cancel()
            transfer = nil
            body = []
        }
        monitor.close()
    }

    func health() -> CameraHealth { monitor.health() }

    // MARK: loop thread

    private func schedule(at deadline: Double) {
        let gen = generation
        ctx.loop.after(deadline - Monotonic.now()) { [self] in
            if gen == generation { poll() }
        }
    }

    private func poll() {
        guard !stopped, transfer == nil else { return }
        do {
            var r = try ctx.request(for: camera)
            r.timeout = camera.timeout
            let refresh = ctx.options.refreshUnchanged
            if frameDropped.exchange(false, ordering: .acquiringAndReleasing)
                || (refresh > 0 && Monotonic.now() - lastSubmittedAt >= refresh * refreshFactor) {
                forgetLastFrame()  // an unconditional GET whose body is delivered even if unchanged
            }
            r.ifNoneMatch = etag
            r.ifModifiedSince = lastModified
            let t = try HTTPTransfer(loop: ctx.loop, request: r, options: ctx.options, delegate: self)
            transfer = t
            body.removeAll(keepingCapacity: false)
            try t.start()
        } catch let e as IngestError {
            transfer = nil
            failed(e)
        } catch {
            transfer = nil
            failed(IngestError(.resource, "cannot start \(camera.redactedURL): \(error)"))
        }
    }

    func transferDidReceiveHeaders(_ t: HTTPTransfer) -> Bool {
        if let e = HTTPStatusCheck.error(status: t.status, camera: camera) {
            t.abortReason = e
            return false
        }
        if let cl = t.contentLength, cl > ctx.options.maxPartBytes {
            monitor.rejected(.oversized)
            t.abortReason = IngestError(.noFrames, "camera '\(camera.id)': snapshot of \(cl) bytes exceeds maxPartBytes")
            return false
        }
        if let cl = t.contentLength, cl > 0 { body.reserveCapacity(cl) }
        return true
    }

    func transfer(_ t: HTTPTransfer, didReceive bytes: UnsafeRawBufferPointer) -> Bool {
        if body.count + bytes.count > ctx.options.maxPartBytes {
            monitor.rejected(.oversized)
            t.abortReason = IngestError(
                .noFrames, "camera '\(camera.id)': snapshot from \(camera.redactedURL) exceeds maxPartBytes "
                    + "(\(ctx.options.maxPartBytes) bytes)")
            body = []
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    func transferTick(_ t: HTTPTransfer) -> Bool { !stopped }

    func transfer(_ t: HTTPTransfer, didCompleteWith result: CURLcode) {
        if transfer === t { transfer = nil }
        guard !stopped else { return }
        monitor.received(t.bytesReceived)
        if let e = t.abortReason
            ?? HTTPStatusCheck.error(status: t.status, camera: camera)
            ?? HTTPStatusCheck.transportError(result, detail: t.failureDetail, camera: camera) {
            body = []
            failed(e)
            return
        }
        monitor.succeeded()
        if t.status == 304 {
            monitor.rejected(.duplicate)
        } else if body.isEmpty {
            monitor.rejected(.truncated)
        } else {
            etag = t.etag
            lastModified = t.lastModified
            let h = body.withUnsafeBytes { raw -> Int in
                var hasher = Hasher()
                hasher.combine(bytes: raw)
                return hasher.finalize()
            }
            if h == lastHash {
                monitor.rejected(.duplicate)
            } else {
                lastHash = h
                lastSubmittedAt = Monotonic.now()
                refreshFactor = Double.random(in: 0.75...1)
                monitor.sampled()
                // If the decode queue drops this frame unseen, forget it: otherwise every later poll of a static
                // scene is a "duplicate" (304 or same hash) and the camera would never deliver a frame.
                ctx.decoder.submit(DecodeJob(monitor: monitor, jpeg: body, capturedAt: .now, wall: Timestamp.now(),
                                             onDrop: { [weak self] in self?.frameDropped.store(true, ordering: .releasing) }))
            }
        }
        body = []
        // Fixed cadence with a little jitter; never catch up with a burst after a slow response.
        let jitter = camera.interval * ctx.options.pollJitter
        nextPollAt = max(nextPollAt + camera.interval + Double.random(in: -jitter...jitter), Monotonic.now())
        schedule(at: nextPollAt)
    }

    /// Loop thread.
    private func forgetLastFrame() {
        etag = nil
        lastModified = nil
        lastHash = nil
    }

    private func failed(_ error: IngestError) {
        let delay = monitor.failed(error)
        nextPollAt = Monotonic.now() + delay
        schedule(at: nextPollAt)
    }
}
