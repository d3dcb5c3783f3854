#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `camsift-bench registry`, part 2: the daemon's start-up and reload at registry scale (issue 2's targets: READY in
/// < 5 s with 10,000 snapshot cameras; a one-file change applied in < 1 s without touching the others).
///
/// Generates N one-camera files (snapshot cameras on 127.0.0.1 at a closed port), starts the real
/// `camsift run` with `$NOTIFY_SOCKET` on a socket bound here, and times, from the outside:
/// - spawn → `READY=1`;
/// - one file rewritten → `RELOADING=1` → `READY=1` (inotify path), repeated, checking in the daemon's
///   stderr that exactly one camera restarted and N-1 were untouched;
/// - SIGHUP → `READY=1` (full rescan, nothing changed);
/// - SIGTERM → exit.
/// Peer, measured in the same run: Python's `json.load` over the same N files (parse-only, no daemon), so
/// the start-up number reads as a ratio to "just reading the registry" on this machine right now.
enum RegistryDaemonBench {
    static func run(_ args: [String]) async throws -> Int32 {
        var count = 10_000
        var changes = 5
        var bin = "./.build/release/camsift"
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--cameras": i += 1; count = Int(args[i]) ?? count
            case "--changes": i += 1; changes = Int(args[i]) ?? changes
            case "--bin": i += 1; bin = args[i]
            case "--repeat": i += 1  // the loader part's option
            default: break
            }
            i += 1
        }
        guard FileManager.default.isExecutableFile(atPath: bin) else {
            print("camsift-bench registry: no camsift binary at \(bin) — build it (make build) or pass --bin")
            return 66
        }

        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cameras = dir + "/cameras"
        try FileManager.default.createDirectory(atPath: cameras, withIntermediateDirectories: true)
        let tGen = Date()
        for n in 0..<count { writeCamera(cameras, n, interval: 60) }
        print("registry: generated \(count) camera files in \(ms(since: tGen)) ms")
        let config = dir + "/camsift.json"
        try Data("{\"cameras\": \"\(cameras)\", \"state\": \"\(dir)/state\", \"log\": \"\(dir)/log/c.jsonl\", \"metrics\": \"127.0.0.1:0\"}".utf8)
            .write(to: URL(fileURLWithPath: config))

        let peer = pythonPeer(cameras)

        let notify = try BenchNotifySocket(path: dir + "/notify.sock")
        let errPath = dir + "/daemon.err"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["run", "--config", config]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        p.environment = env
        p.standardError = FileHandle(forWritingAtPath: errPath)
        p.standardOutput = FileHandle.nullDevice
        let tStart = Date()
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        guard notify.wait(for: { $0 == "READY=1" }, timeout: 60) else {
            print("registry: no READY=1 within 60 s; daemon stderr:\n" + read(errPath))
            return 1
        }
        let readyMs = ms(since: tStart)

        // One-file changes through inotify. Alternate the interval so each write is a real change.
        var reloadMs: [Int] = []
        var daemonMs: [Int] = []
        var untouchedOK = true
        for k in 0..<changes {
            try await Task.sleep(for: .milliseconds(400))  // past the watcher's debounce of the previous one
            let before = read(errPath).components(separatedBy: "reload (inotify)").count
            let t0 = Date()
            writeCamera(cameras, count / 2, interval: 61 + Double(k))
            guard notify.wait(for: { $0.hasPrefix("RELOADING=1") }, timeout: 10),
                  notify.wait(for: { $0 == "READY=1" }, timeout: 10) else {
                print("registry: change \(k) was not applied within 10 s")
                return 1
            }
            reloadMs.append(ms(since: t0))
            // The daemon's own line: "reload (inotify): 0 started, 0 stopped, 1 restarted, N-1 untouched ... in X ms"
            var line = ""
            for _ in 0..<100 {
                let lines = read(errPath).components(separatedBy: "\n").filter { $0.contains("reload (inotify)") }
                if lines.count >= before { line = lines.last ?? ""; break }
                try await Task.sleep(for: .milliseconds(10))
            }
            if !line.contains("0 started, 0 stopped, 1 restarted, \(count - 1) untouched") { untouchedOK = false }
            if let r = line.range(of: "in "), let v = Int(line[r.upperBound...].prefix { $0.isNumber }) { daemonMs.append(v) }
        }

        try await Task.sleep(for: .milliseconds(400))
        let tHup = Date()
        kill(p.processIdentifier, SIGHUP)
        _ = notify.wait(for: { $0 == "READY=1" }, timeout: 30)
        let hupMs = ms(since: tHup)

        let rssKB = residentKB(p.processIdentifier)
        let tStop = Date()
        kill(p.processIdentifier, SIGTERM)
        _ = notify.wait(for: { $0 == "STOPPING=1" }, timeout: 10)
        p.waitUntilExit()
        let stopMs = ms(since: tStop)

        let sorted = reloadMs.sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        print("""
            registry bench: \(count) snapshot cameras, camsift \(bin)
              start → READY=1            \(readyMs) ms   (target < 5000 ms; \(ratio(Double(readyMs), 5000)) of target)
              peer: python3 json.load    \(peer.map { "\($0) ms" } ?? "n/a")   (parse-only; camsift start = \(peer.map { ratio(Double(readyMs), Double($0)) } ?? "n/a") the peer)
              one-file change → READY=1  median \(median) ms, all \(reloadMs) ms  (target < 1000 ms)
                daemon-side reload       \(daemonMs) ms (stat of \(count) files + 1 parse + diff + restart)
                others untouched         \(untouchedOK ? "yes (1 restarted, \(count - 1) untouched each time)" : "NO — see daemon stderr")
              SIGHUP full rescan → READY \(hupMs) ms
              SIGTERM → exit             \(stopMs) ms, status \(p.terminationStatus)
              daemon RSS at \(count)      \(rssKB / 1024) MiB
            """)
        var v = Verdicts()
        v.check(readyMs < 5000, "registry start → READY", "\(readyMs) ms at \(count) cameras (peer json.load \(peer.map { "\($0) ms" } ?? "n/a"))",
                vs: "< 5000 ms")
        v.check(median < 1000 && untouchedOK, "registry one-file reload → READY", "median \(median) ms, others untouched: \(untouchedOK ? "yes" : "NO")",
                vs: "< 1000 ms, others untouched")
        v.check(stopMs < 10_000 && p.terminationStatus == 0, "registry SIGTERM → exit", "\(stopMs) ms, status \(p.terminationStatus)",
                vs: "< 10000 ms, status 0")
        return v.exitCode
    }

    static func writeCamera(_ dir: String, _ n: Int, interval: Double) {
        let id = "cam-\(n)"
        let json = "{\"id\": \"\(id)\", \"kind\": \"snapshot\", \"url\": \"http://127.0.0.1:9/\(id).jpg\", "
            + "\"interval\": \(interval), \"tags\": [\"bench\"]}\n"
        // Plain open/write/rename: FileManager.createFile fsyncs, which makes generating 10,000 files take
        // longer than everything measured. Rename keeps each change atomic for the watcher.
        let tmp = "\(dir)/.\(id).tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let bytes = Array(json.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        rename(tmp, "\(dir)/\(id).json")
    }

    static func pythonPeer(_ dir: String) -> Int? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", """
            import json, os, sys, time
            d = sys.argv[1]; t = time.perf_counter(); cams = {}
            for n in os.listdir(d):
                if n.endswith('.json'):
                    with open(os.path.join(d, n)) as f: c = json.load(f); cams[c['id']] = c
            print(int((time.perf_counter() - t) * 1000))
            """, dir]
        let out = Pipe()
        p.standardOutput = out
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        let s = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Int(s.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func residentKB(_ pid: Int32) -> Int {
        let s = read("/proc/\(pid)/status")
        guard let l = s.components(separatedBy: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(l.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    static func ratio(_ a: Double, _ b: Double) -> String {
        guard b > 0 else { return "n/a" }
        return String(format: "%.2f×", a / b)
    }

    static func ms(since t: Date) -> Int { Int(Date().timeIntervalSince(t) * 1000) }

    static func read(_ path: String) -> String {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func makeTempDir() throws -> String {
        var template = Array("/tmp/camsift-bench-registry-XXXXXX".utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return String(cString: p)
    }
}
