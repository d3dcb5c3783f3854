import CamsiftCore
import Foundation
import Testing
@testable import Ingest

/// Every fault of issue 3 at once on ONE runtime (one curl loop, one decode pool), next to healthy cameras:
/// each faulty camera must end recovered or parked in the right state, and the healthy ones must keep
/// delivering while the others drip, stall, lie and fail.
@Suite(.serialized) struct FaultMatrixTests {
    /// A host name that fails to resolve without any DNS packet leaving the machine: a 70-octet label breaks
    /// RFC 1035's 63-octet limit, so glibc's resolver refuses to build the query (checked with
    /// `strace -e trace=connect,sendto,sendmmsg curl`: no socket to a name server is opened, unlike
    /// `foo.invalid`, which IS sent to the configured resolver).
    static let unresolvableHost = String(repeating: "a", count: 70) + ".camsift-test"

    static func options() -> IngestOptions {
        var o = IngestOptions()
        o.backoff = Backoff(steps: [.init(delay: 0.2, count: 3), .init(delay: 0.5, count: 3)], final: 2, jitter: 0.1)
        o.sustainedSuccess = 1
        o.lowSpeedLimit = 64
        o.lowSpeedTime = 2
        o.noFrameTimeout = 2
        o.connectTimeout = 2
        o.maxPartBytes = 256 << 10
        o.decodeThreads = 1
        // The server loops a short clip; placeholder detection (Media's FrameFilter) would rightly flag that.
        o.filter.placeholderRuns = 1 << 30
        return o
    }

    struct Case {
        var id: String
        var kind: CameraKind = .mjpeg
        var url: String
        /// The condition that ends this camera's story.
        var done: (CameraHealth, Int) -> Bool
    }

    @Test func everyFaultEndsInTheRightStateAndHealthyCamerasKeepDelivering() async throws {
        let server = try FaultCameraServer(frames: try TestJPEGs.load().frames)
        defer { server.stop() }
        let refused = try TestProcess.freePort()
        let sink = CollectingSink()
        let runtime = try IngestRuntime(options: Self.options(), sink: sink)
        let maxPart = "maxPart=\(256 << 10)"

        func recovered(_ h: CameraHealth, _ n: Int) -> Bool { h.reconnects >= 1 && n >= 2 && h.state == .online }
        func delivering(_ h: CameraHealth, _ n: Int) -> Bool { n >= 3 && h.state == .online }
        func parked(_ status: Int) -> (CameraHealth, Int) -> Bool {
            { h, n in h.state == .offline && n == 0 && (h.lastError ?? "").contains("HTTP \(status)") }
        }
        func failing(_ text: String) -> (CameraHealth, Int) -> Bool {
            { h, n in n == 0 && h.reconnects >= 2 && (h.lastError ?? "").contains(text)
                && (h.state == .backoff || h.state == .offline) }
        }
        var cases: [Case] = [
            Case(id: "healthy-1", url: server.url("mjpeg", "healthy-1"), done: delivering),
            Case(id: "healthy-2", url: server.url("mjpeg", "healthy-2"), done: delivering),
            Case(id: "snap-healthy", kind: .snapshot, url: server.url("snap", "snap-healthy"), done: delivering),
        ]
        for f in ["dropMidFrame", "dropMidHeaders", "slowDrip", "stall", "garbage", "status500"] {
            cases.append(Case(id: f, url: server.url("mjpeg", f, "fault=\(f)&faulty=1"), done: recovered))
        }
        for f in ["zeroPart", "lieLength", "wrongBoundary", "noLength", "chunked", "extraCRLF", "upperHeaders",
                  "garbageBetween", "dashedHeader", "wrongLength"] {
            cases.append(Case(id: f, url: server.url("mjpeg", f, "fault=\(f)"), done: delivering))
        }
        cases += [
            Case(id: "truncated", url: server.url("mjpeg", "truncated", "fault=truncated"),
                 done: { h, n in n >= 2 && (h.rejects["truncated"] ?? 0) >= 1 }),
            Case(id: "oversized", url: server.url("mjpeg", "oversized", "fault=oversized&\(maxPart)"),
                 done: { h, n in n >= 2 && (h.rejects["oversized"] ?? 0) >= 1 }),
            Case(id: "status401", url: server.url("mjpeg", "status401", "fault=status401"), done: parked(401)),
            Case(id: "status403", url: server.url("mjpeg", "status403", "fault=status403"), done: parked(403)),
            Case(id: "status404", url: server.url("mjpeg", "status404", "fault=status404"), done: parked(404)),
            Case(id: "status500-forever", url: server.url("mjpeg", "status500-forever", "fault=status500"),
                 done: failing("HTTP 500")),
            Case(id: "redirect-loop", url: server.url("loop", "redirect-loop"),
                 done: { h, n in n == 0 && h.state == .offline && (h.lastError ?? "").contains("redirects") }),
            Case(id: "refused", url: "http://127.0.0.1:\(refused)/mjpg/video.mjpg", done: failing("cannot connect")),
            Case(id: "unresolvable", url: "http://\(Self.unresolvableHost):\(server.port)/mjpeg/x",
                 done: failing("cannot resolve")),
            Case(id: "tls-to-plain", url: "https://127.0.0.1:\(server.port)/mjpeg/tls", done: failing("TLS")),
            Case(id: "not-mjpeg", url: server.url("html", "not-mjpeg"), done: failing("not MJPEG")),
            Case(id: "snap-same", kind: .snapshot, url: server.url("snap", "snap-same", "fault=same"),
                 done: { h, n in n == 1 && (h.rejects["duplicate"] ?? 0) >= 2 }),
            Case(id: "snap-truncated", kind: .snapshot, url: server.url("snap", "snap-truncated", "fault=truncated"),
                 done: { h, n in n == 0 && (h.rejects["truncated"] ?? 0) >= 2 }),
            Case(id: "snap-lie", kind: .snapshot, url: server.url("snap", "snap-lie", "fault=lieLength&faulty=1"),
                 done: { h, n in n >= 2 && (h.rejects["oversized"] ?? 0) >= 1 && h.state == .online }),
            Case(id: "snap-stall", kind: .snapshot, url: server.url("snap", "snap-stall", "fault=stall&faulty=1"),
                 done: recovered),
            Case(id: "snap-404", kind: .snapshot, url: server.url("snap", "snap-404", "fault=status404"),
                 done: parked(404)),
        ]
        let workers = cases.map { c in
            runtime.makeWorker(for: Camera(id: c.id, kind: c.kind, url: c.url, interval: 0.2, timeout: 2))
        }
        for w in workers { w.start() }
        let allDone = await eventually(18) {
            zip(cases, workers).allSatisfy { c, w in c.done(w.health(), sink.count(c.id)) }
        }
        // Healthy cameras still deliver now, after every fault has played out.
        let before = ["healthy-1", "healthy-2", "snap-healthy"].map { sink.count($0) }
        try await Task.sleep(for: .milliseconds(1500))
        let after = ["healthy-1", "healthy-2", "snap-healthy"].map { sink.count($0) }
        for w in workers { await w.stop() }
        await runtime.shutdown()

        for (c, w) in zip(cases, workers) {
            let h = w.health()
            #expect(c.done(h, sink.count(c.id)),
                    "\(c.id): state=\(h.state) delivered=\(sink.count(c.id)) reconnects=\(h.reconnects) rejects=\(h.rejects) error=\(h.lastError ?? "-")")
        }
        #expect(allDone)
        #expect(zip(before, after).allSatisfy { $1 > $0 }, "healthy cameras stopped delivering: \(before) → \(after)")
        // 401/403/404 are escalated to the slowest step: far fewer attempts than a 500 retried quickly.
        #expect(server.connections("status401") < server.connections("status500-forever"))
    }
}
