#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import Pipeline
import Testing
import Serving

@Suite("sd_notify over a real datagram socket")
struct SystemdNotifierTests {
    @Test("messages arrive on a path or an abstract (@) socket", arguments: [false, true])
    func messages(abstract: Bool) throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let listener = NotifyListener(abstract: abstract, directory: dir.path)
        let n = try SystemdNotifier(address: listener.address)
        #expect(n.isEnabled)
        n.ready()
        #expect(listener.receive(timeout: 5) == "READY=1")
        n.status("cameras 3, online 1,\n2.0 frames/s")
        #expect(listener.receive(timeout: 5) == "STATUS=cameras 3, online 1, 2.0 frames/s")
        n.reloading()
        let r = listener.receive(timeout: 5) ?? ""
        let lines = r.split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        #expect(lines.count == 2 && lines[1].hasPrefix("MONOTONIC_USEC=") && UInt64(lines[1].dropFirst(15)) != nil)
        n.watchdog()
        #expect(listener.receive(timeout: 5) == "WATCHDOG=1")
        n.stopping()
        #expect(listener.receive(timeout: 5) == "STOPPING=1")
    }

    @Test("without NOTIFY_SOCKET every call is a no-op")
    func disabled() throws {
        let n = try SystemdNotifier(environment: [:])
        #expect(!n.isEnabled)
        #expect(n.send("READY=1") == false)
        #expect(n.watchdogInterval == nil)
    }

    @Test("WATCHDOG_USEC is read, and ignored when WATCHDOG_PID names another process")
    func watchdogEnvironment() throws {
        #expect(try SystemdNotifier(environment: ["WATCHDOG_USEC": "60000000"]).watchdogInterval == 60)
        #expect(try SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"])
            .watchdogInterval == 30)
        #expect(try SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"])
            .watchdogInterval == nil)
    }

    @Test("a relative NOTIFY_SOCKET is rejected with a clear message")
    func badAddress() {
        #expect(throws: PipelineError.self) { try SystemdNotifier(address: "relative/sock") }
    }

    @Test("a vanished systemd socket makes sends fail quietly, not crash")
    func vanished() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let n = try SystemdNotifier(address: dir.file("gone.sock"))
        #expect(n.send("READY=1") == false)
    }
}

@Suite("Watchdog progress rule")
struct PipelineProgressTests {
    @Test("ping only when the control loop ticked and the pipeline is not stalled")
    func rule() {
        let p = PipelineProgress()
        var m = p.mark()
        #expect(!p.madeProgress(since: m), "no heartbeat: control loop wedged")
        p.heartbeat.add(1, ordering: .relaxed)
        #expect(p.madeProgress(since: m), "idle (no frames in) is healthy")
        m = p.mark()
        p.heartbeat.add(1, ordering: .relaxed)
        p.intake.add(5, ordering: .relaxed)
        #expect(!p.madeProgress(since: m), "frames in but none out: pipeline stalled")
        p.output.add(1, ordering: .relaxed)
        #expect(p.madeProgress(since: m))
    }
}
