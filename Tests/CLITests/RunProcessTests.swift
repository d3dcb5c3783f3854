#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Testing

/// `camsift run` as a real process: sd_notify on a socket the test binds, signals, pid file, inotify reloads.
@Suite("camsift run (process)", .serialized)
struct RunProcessTests {
    @Test("READY=1, STATUS, SIGHUP → RELOADING=1 then READY=1, SIGTERM → STOPPING=1 and exit 0")
    func notifyLifecycle() async throws {
        let f = DaemonFixture(cameraCount: 5)
        defer { f.dir.cleanup() }
        let notify = NotifyListener(directory: f.dir.path)
        let d = try f.startDaemon(notify: notify)
        let ready = await notify.receive(until: { $0 == "READY=1" })
        #expect(ready.matched != nil, "no READY=1; got \(ready.all); stderr: \(d.stderr)")
        #expect(ready.all.first == "READY=1", "READY comes first, after the registry loaded")
        let status = await notify.receive(until: { $0.hasPrefix("STATUS=") })
        #expect(status.matched?.hasPrefix("STATUS=cameras 5, online 0, ") == true, "\(status.all)")
        #expect(status.matched?.hasSuffix("frames/s") == true)
        #expect(readText(f.state + "/camsift.pid") == "\(d.pid)\n")

        d.signal(SIGHUP)
        let reloading = await notify.receive(until: { $0.hasPrefix("RELOADING=1") })
        #expect(reloading.matched?.contains("\nMONOTONIC_USEC=") == true, "\(reloading.all)")
        let readyAgain = await notify.receive(until: { $0 == "READY=1" })
        #expect(readyAgain.matched != nil, "\(readyAgain.all)")
        #expect(await d.waitForStderr("reload (SIGHUP)"))
        #expect(d.stderr.contains("reopened classification log"))

        d.signal(SIGTERM)
        let stopping = await notify.receive(until: { $0 == "STOPPING=1" })
        #expect(stopping.matched != nil, "\(stopping.all)")
        let status0 = await d.wait(timeout: 10)
        #expect(status0 == 0, "graceful stop exits 0 within 10 s; stderr: \(d.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.state + "/camsift.pid"), "pid file removed on exit")
    }

    @Test("WATCHDOG=1 pings at half of WATCHDOG_USEC while the daemon makes progress")
    func watchdog() async throws {
        let f = DaemonFixture(cameraCount: 2)
        defer { f.dir.cleanup() }
        let notify = NotifyListener(directory: f.dir.path)
        let d = try Child(camsiftBinary, ["run", "--config", f.config],
                          environment: ["NOTIFY_SOCKET": notify.address, "WATCHDOG_USEC": "400000"], in: f.dir, tag: "wd")
        #expect(await notify.receive(until: { $0 == "READY=1" }).matched != nil)
        var pings = 0
        for _ in 0..<3 where await notify.receive(until: { $0 == "WATCHDOG=1" }).matched != nil { pings += 1 }
        #expect(pings == 3)
        d.signal(SIGTERM)
        #expect(await d.wait(timeout: 10) == 0)
    }

    @Test("status --json reads the running daemon's state file")
    func statusJSON() async throws {
        let f = DaemonFixture(cameraCount: 4)
        defer { f.dir.cleanup() }
        f.dir.write("cameras/off.json", "{\"id\": \"off\", \"kind\": \"snapshot\", \"url\": \"http://127.0.0.1:9/o.jpg\", \"interval\": 5, \"enabled\": false}\n")
        let d = try f.startDaemon()
        #expect(await d.waitForStderr("ready: 4 cameras started, 1 disabled"))
        var json: [String: Any] = [:]
        for _ in 0..<200 {
            if FileManager.default.fileExists(atPath: f.state + "/cameras.json") {
                let r = try await camsift(["status", "--state", f.state, "--json"], in: f.dir)
                if r.status == 0, let o = try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any],
                   o["registered"] != nil { json = o; break }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(json["running"] as? Bool == true)
        #expect(json["pid"] as? Int == Int(d.pid))
        #expect(json["registered"] as? Int == 5)
        let states = json["states"] as? [String: Int] ?? [:]
        // The four enabled cameras point at a closed port: starting, or already in backoff/offline.
        #expect(states.filter { $0.key != "disabled" }.values.reduce(0, +) == 4, "\(states)")
        #expect((states["online"] ?? 0) == 0)
        #expect(states["disabled"] == 1)
        d.signal(SIGTERM)
        #expect(await d.wait(timeout: 10) == 0)
    }

    @Test("a new registry file is picked up by inotify without a signal, and only it starts")
    func inotifyReload() async throws {
        let f = DaemonFixture(cameraCount: 3)
        defer { f.dir.cleanup() }
        let notify = NotifyListener(directory: f.dir.path)
        let d = try f.startDaemon(notify: notify)
        #expect(await notify.receive(until: { $0 == "READY=1" }).matched != nil)
        f.writeCamera(id: "cam-new")
        #expect(await notify.receive(until: { $0.hasPrefix("RELOADING=1") }).matched != nil)
        #expect(await notify.receive(until: { $0 == "READY=1" }).matched != nil)
        #expect(await d.waitForStderr("reload (inotify): 1 started, 0 stopped, 0 restarted, 3 untouched"), "\(d.stderr)")
        #expect(d.stderr.contains("camera 'cam-new': started (added to the registry)"))
        // The reload does not touch (and so does not mention) the others; ingest may still log their own state.
        #expect(!d.stderr.contains("daemon: camera 'cam-0'"), "untouched cameras are not mentioned by the reload")
        d.signal(SIGTERM)
        #expect(await d.wait(timeout: 10) == 0)
    }

    @Test("an invalid registry file is reported by file name and the daemon keeps running")
    func invalidFileReported() async throws {
        let f = DaemonFixture(cameraCount: 2)
        defer { f.dir.cleanup() }
        let d = try f.startDaemon()
        #expect(await d.waitForStderr("ready: 2 cameras started"))
        f.dir.write("cameras/cam-0.json", "{\"id\": \"cam-0\", \"kind\": \"snapshot\",")
        d.signal(SIGHUP)
        #expect(await d.waitForStderr("reload (SIGHUP)"))
        #expect(d.stderr.contains("cam-0.json"), "\(d.stderr)")
        #expect(d.stderr.contains("0 stopped, 0 restarted, 2 untouched"), "the broken file's camera keeps running")
        d.signal(SIGTERM)
        #expect(await d.wait(timeout: 10) == 0)
    }

    @Test("SIGTERM in a burst of SIGHUPs: exit 0 within 10 s, the log stays whole and is not rewritten")
    func sigtermDuringReloads() async throws {
        let f = DaemonFixture(cameraCount: 200)
        defer { f.dir.cleanup() }
        f.dir.mkdir("log")
        var seeded = ""
        let enc = JSONEncoder()
        for i in 0..<500 {
            let r = ClassificationRecord(ts: Timestamp.rfc3339(1_795_000_000 + Double(i)), camera: "cam-\(i % 7)",
                                         label: "car", score: 0.5, model: "m", via: "M0",
                                         top: [.init(label: "car", score: 0.5)], latency_ms: 3)
            seeded += String(decoding: try enc.encode(r), as: UTF8.self) + "\n"
        }
        f.dir.write("log/classifications.jsonl", seeded)
        let d = try f.startDaemon()
        #expect(await d.waitForStderr("ready: 200 cameras started"))
        for _ in 0..<20 { d.signal(SIGHUP) }
        d.signal(SIGTERM)
        let status = await d.wait(timeout: 10)
        #expect(status == 0, "stderr: \(d.stderr)")
        #expect(d.stderr.contains("stopping (SIGTERM)"))
        let log = readText(f.log)
        #expect(log == seeded, "the log keeps every whole line and nothing torn is appended")
    }

    @Test("SIGINT stops like SIGTERM")
    func sigint() async throws {
        let f = DaemonFixture()
        defer { f.dir.cleanup() }
        let d = try f.startDaemon()
        #expect(await d.waitForStderr("ready:"))
        d.signal(SIGINT)
        #expect(await d.wait(timeout: 10) == 0)
        #expect(d.stderr.contains("stopping (SIGINT)"))
    }

    @Test("pid file: a second daemon on the same state dir is refused; retrain delivers SIGUSR1")
    func pidFileAndRetrain() async throws {
        let f = DaemonFixture()
        defer { f.dir.cleanup() }
        let d = try f.startDaemon()
        #expect(await d.waitForStderr("ready:"))
        let second = try await camsift(["run", "--config", f.config], in: f.dir)
        #expect(second.status == 69)
        #expect(second.err.contains("another camsift daemon (pid \(d.pid))"), "\(second.err)")

        let r = try await camsift(["retrain", "--state", f.state], in: f.dir)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("pid \(d.pid)"))
        #expect(await d.waitForStderr("retrain requested (SIGUSR1)"))

        let s = try await camsift(["status", "--state", f.state], in: f.dir)
        #expect(s.status == 0)
        #expect(s.out.contains("running (pid \(d.pid))"), "\(s.out)")

        d.signal(SIGTERM)
        #expect(await d.wait(timeout: 10) == 0)
        let none = try await camsift(["retrain", "--state", f.state], in: f.dir)
        #expect(none.status == 69)
        #expect(none.err.contains("no camsift daemon runs") && none.err.contains(f.state), "\(none.err)")
        let s2 = try await camsift(["status", "--state", f.state], in: f.dir)
        #expect(s2.status == 69)
        #expect(s2.out.contains("not running"))
    }

    @Test("a stale pid file (daemon killed with SIGKILL) does not block the next start")
    func stalePidFile() async throws {
        let f = DaemonFixture()
        defer { f.dir.cleanup() }
        let d = try f.startDaemon()
        #expect(await d.waitForStderr("ready:"))
        d.signal(SIGKILL)
        _ = await d.wait(timeout: 10)
        #expect(FileManager.default.fileExists(atPath: f.state + "/camsift.pid"))
        let r = try await camsift(["retrain", "--state", f.state], in: f.dir)
        #expect(r.status == 69 && r.err.contains("stale"), "\(r.err)")
        let d2 = try Child(camsiftBinary, ["run", "--config", f.config], in: f.dir, tag: "daemon2")
        #expect(await d2.waitForStderr("ready:"), "\(d2.stderr)")
        d2.signal(SIGTERM)
        #expect(await d2.wait(timeout: 10) == 0)
    }
}

@Suite("camsift run: start-up errors and exit statuses", .serialized)
struct RunErrorTests {
    @Test("a missing --config is exit 78 naming the file")
    func missingConfig() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let r = try await camsift(["run", "--config", dir.file("nope.json")], in: dir)
        #expect(r.status == 78)
        #expect(r.err.contains(dir.file("nope.json")), "\(r.err)")
    }

    @Test("an invalid config is exit 78 with line and column")
    func invalidConfig() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.write("c.json", "{\n  \"cameras\": \"/x\",\n  \"batch\": ,\n}\n")
        let r = try await camsift(["run", "--config", dir.file("c.json")], in: dir)
        #expect(r.status == 78)
        #expect(r.err.contains("c.json") && r.err.contains("line 3"), "\(r.err)")
    }

    @Test("a console beyond loopback without a token file is exit 78 naming consoleTokenFile and how to make one")
    func consoleNeedsAToken() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.mkdir("cameras")
        dir.write("c.json", "{\"cameras\": \"\(dir.file("cameras"))\", \"state\": \"\(dir.file("s"))\", "
                  + "\"log\": \"\(dir.file("l.jsonl"))\", \"console\": \"0.0.0.0:0\"}")
        let r = try await camsift(["run", "--config", dir.file("c.json")], in: dir)
        #expect(r.status == 78)
        #expect(r.err.contains("consoleTokenFile") && r.err.contains("/dev/urandom"), "\(r.err)")
        dir.write("c.json", "{\"cameras\": \"\(dir.file("cameras"))\", \"state\": \"\(dir.file("s"))\", "
                  + "\"log\": \"\(dir.file("l.jsonl"))\", \"console\": \"0.0.0.0:0\", \"consoleTokenFile\": \"\(dir.file("nope"))\"}")
        let r2 = try await camsift(["run", "--config", dir.file("c.json")], in: dir)
        #expect(r2.status == 78)
        #expect(r2.err.contains(dir.file("nope")), "\(r2.err)")
    }

    @Test("a missing cameras directory is exit 78 naming it and the flag")
    func missingCameras() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.write("c.json", "{}")
        let r = try await camsift(["run", "--config", dir.file("c.json"), "--cameras", dir.file("none"),
                                   "--state", dir.file("s"), "--log", dir.file("l.jsonl")], in: dir)
        #expect(r.status == 78)
        #expect(r.err.contains(dir.file("none")) && r.err.contains("--cameras"), "\(r.err)")
    }

    @Test("flags override the config file", arguments: ["--state", "--log"])
    func flagsOverride(flag: String) async throws {
        let f = DaemonFixture()
        defer { f.dir.cleanup() }
        let value = flag == "--state" ? f.dir.file("other-state") : f.dir.file("other/log.jsonl")
        let d = try f.startDaemon(extra: [flag, value])
        #expect(await d.waitForStderr("ready:"))
        if flag == "--state" {
            #expect(FileManager.default.fileExists(atPath: value + "/camsift.pid"))
        } else {
            #expect(FileManager.default.fileExists(atPath: value))
        }
        d.signal(SIGTERM)
        #expect(await d.wait(timeout: 10) == 0)
    }

    static let usageCases: [([String], Int32)] = [
        (["run", "--bogus"], 64), (["run", "extra"], 64), (["run", "--shard", "5/4"], 78),
    ]

    @Test("bad usage is exit 64; a bad shard is a config error (78)", arguments: Self.usageCases)
    func usage(args: [String], expected: Int32) async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.write("c.json", "{}")
        dir.mkdir("cams")
        let r = try await camsift(args + ["--config", dir.file("c.json"), "--cameras", dir.file("cams"),
                                          "--state", dir.file("s"), "--log", dir.file("l.jsonl")], in: dir)
        #expect(r.status == expected, "\(r.err)")
        #expect(!r.err.isEmpty)
    }
}
