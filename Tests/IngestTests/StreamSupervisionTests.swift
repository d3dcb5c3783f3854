import CamsiftCore
import Foundation
import Synchronization
import Testing
@testable import Ingest
@testable import Media

/// Stream cameras are supervised by the same `CameraMonitor`/`CameraSupervisor` as HTTP cameras: states,
/// reconnect counting, stepped backoff, escalation of permanent failures. Serialized: the FFmpeg tests share
/// two cores with everything else.
@Suite("Stream cameras under the common supervisor", .serialized)
struct StreamSupervisionTests {
    /// A `BlockingSource` without FFmpeg: each run delivers `framesPerRun` noise frames, then throws `error`.
    /// Runs after the first wait for `release` (stop still ends the wait), so a test can look at the state
    /// between two runs without racing the retry.
    final class FakeSource: BlockingSource {
        let camera: Camera
        let error: IngestError
        let framesPerRun: Int
        let runs = Atomic<Int>(0)
        let release = Atomic<Bool>(false)

        init(camera: Camera, error: IngestError, framesPerRun: Int) {
            self.camera = camera
            self.error = error
            self.framesPerRun = framesPerRun
        }

        func run(monitor: CameraMonitor, stop: StreamInterrupt) throws(IngestError) {
            if runs.add(1, ordering: .relaxed).newValue > 1 {
                while !release.load(ordering: .relaxed) {
                    if !stop.pause(0.01) { throw IngestError(.stream, "stopped") }
                }
            }
            for _ in 0..<framesPerRun {
                monitor.succeeded()
                monitor.sampled()
                let rgb = (0..<(32 * 32 * 3)).map { _ in UInt8.random(in: 0...255) }
                _ = monitor.deliver(DecodedFrame(width: 32, height: 32, rgb: rgb), jpeg: nil, capturedAt: .now,
                                    wall: Timestamp.now())
            }
            throw error
        }
    }

    static func options(steps: [Backoff.Step], openTimeout: Double = 2) -> IngestOptions {
        var o = IngestOptions()
        o.connectTimeout = openTimeout
        o.backoff = Backoff(steps: steps, final: 60, jitter: 0)
        return o
    }

    @Test("SourceLoop: a failing run is counted by the monitor, retried after its delay, and stop cuts the wait")
    func fakeSourceLoop() async throws {
        let sink = FrameRecorder()
        let source = FakeSource(camera: Camera(id: "fake", kind: .stream, url: "file:/x", interval: 1),
                                error: IngestError(.stream, "io: fake stream reset"), framesPerRun: 2)
        let w = SourceLoop(source: source, options: Self.options(steps: [.init(delay: 0.3, count: 2)]), sink: sink)
        #expect(w.health().state == .starting)
        w.start()
        // Every run delivers 2 frames and fails. Failure 1 waits 0.3 s in backoff; failure 2 uses up the fast
        // steps (offline, still 0.3 s); failure 3 waits the final 60 s.
        #expect(await eventually(10) { w.health().reconnects >= 1 }, "\(w.health())")
        #expect(w.health().state == .backoff, "\(w.health())")
        #expect(w.health().framesDelivered == 2 && w.health().lastFrameAt != nil)
        source.release.store(true, ordering: .relaxed)
        #expect(await eventually(10) { w.health().reconnects >= 3 }, "\(w.health())")
        try await Task.sleep(for: .milliseconds(500))
        let h = w.health()
        #expect(h.state == .offline, "\(h)")
        #expect(h.reconnects == 3, "\(h)")
        #expect(h.framesDelivered == 6 && h.framesSampled == 6 && sink.count == 6)
        #expect(h.lastError == "io: fake stream reset")
        #expect(source.runs.load(ordering: .relaxed) == 3)
        // Now asleep on the 60 s step: stop() must not wait for it. (The bound is generous because the
        // continuation resumes on the cooperative pool, which parallel suites keep busy — `make test` on a loaded
        // 2-core box took over 5 s; waiting out the step would take 60 s.)
        #expect(await stopReturns(w, within: 30))
        #expect(source.runs.load(ordering: .relaxed) == 3)
    }

    @Test("a dead RTMP URL: starting → backoff (reconnects counted, lastError set) → offline once the fast steps are used")
    func deadRTMP() async throws {
        let sink = FrameRecorder()
        let cam = Camera(id: "dead-rtmp", kind: .rtmp, url: "rtmp://127.0.0.1:\(StreamTestServers.freePort())/live/x",
                         interval: 1, timeout: 2)
        // 4 s steps: wide enough that a loaded box still sees the backoff state between failures 1 and 2.
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: Self.options(steps: [.init(delay: 4, count: 2)]),
                                               sink: sink)
        #expect(w.health().state == .starting)
        w.start()
        #expect(await eventually(10) { w.health().reconnects >= 1 }, "\(w.health())")
        #expect(w.health().lastError?.lowercased().contains("refused") == true, "\(w.health().lastError ?? "-")")
        // Failure 2 uses up the fast steps: offline from then on (one more 4 s wait, then the final 60 s).
        #expect(await eventually(15) { w.health().reconnects >= 2 }, "\(w.health())")
        #expect(w.health().state == .offline, "fast steps used up: \(w.health())")
        // The path, from the monitor's history (a poll can miss the 4 s backoff on a loaded box).
        let path = w.monitor.transitions().map { "\($0.from.rawValue)→\($0.to.rawValue)@\($0.reconnects)" }
        #expect(path == ["starting→backoff@1", "backoff→offline@2"], "\(path)")
        #expect(sink.count == 0 && w.health().framesDelivered == 0)
        #expect(await stopReturns(w))
    }

    @Test("a permanent failure (file not found) escalates: offline at once and no fast retries")
    func permanentEscalates() async throws {
        let sink = FrameRecorder()
        let cam = Camera(id: "gone", kind: .stream, url: "file:/nonexistent/camsift-\(getpid()).mp4", interval: 1)
        // Without escalation these steps would retry every 0.2 s.
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: Self.options(steps: [.init(delay: 0.2, count: 10)]),
                                               sink: sink)
        w.start()
        #expect(await eventually(10) { w.health().reconnects >= 1 })
        try await Task.sleep(for: .milliseconds(1500))
        let h = w.health()
        #expect(h.state == .offline, "\(h)")
        #expect(h.reconnects == 1, "escalated to the 60 s step: \(h)")
        #expect(h.lastError?.hasPrefix("notFound") == true, "\(h.lastError ?? "-")")
        #expect(await stopReturns(w))
    }

    @Test("MediaError → IngestError: Media's non-retryable codes are exactly the permanent ones")
    func mediaErrorMapping() {
        let codes: [MediaError.Code] = [.invalidArgument, .undecodable, .truncated, .oversized, .unsupported,
                                        .outOfMemory, .io, .timeout, .notFound, .unauthorized, .endOfStream,
                                        .cancelled, .library]
        for code in codes {
            let m = MediaError(code, "avformat_open_input failed for camera 'c' (rtmp://h/live/x)")
            let e = IngestError(m)
            #expect(e.isPermanent == !m.isRetryable, "\(code)")
            #expect(e.description.hasPrefix("\(code): "), "lastError keeps Media's code first: \(e.description)")
            #expect(e.location == m.location)
        }
        #expect(IngestError(MediaError(.timeout, "t")).code == .timeout)
        #expect(IngestError(MediaError(.unauthorized, "u")).code == .unauthorized)
        #expect(IngestError(MediaError(.endOfStream, "e")).code == .connectionClosed)
    }
}
