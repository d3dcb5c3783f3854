#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CamsiftCore
import Foundation

/// `camsift-bench console`: the operator console of the real `camsift run` binary at 10,000 cameras (the
/// pipeline bench's farm: one nginx aggregator, static scenes, 1 frame / 10 s per camera), served on the
/// daemon's 127.0.0.1 listener.
///
/// (a) Response times (curl's `time_total`, one keep-alive connection, `--loads` requests each, after the
///     warm-up, no other client): the grid `/cameras` (60 tiles), a filtered grid page, the last grid page and
///     `/api/cameras` for 60 ids. Target: p95 < 1 s.
/// (b) The daemon's frames/s from its /metrics counters — frames logged (classified + reused; the gated figure),
///     frames delivered by ingest and model runs printed beside it, with drops and the daemon's CPU — in
///     alternating windows (order swapped every round) without and with a client that every second loads
///     `/cameras`, every image on it (60 × `/cameras/<id>/latest.jpg`) and `/api/cameras` for its tiles — headless
///     Chromium (bench/console_browser.py, `--client chromium`, the default) or curl doing the same requests
///     (`--client curl`). Unchanged snapshots are 304s and deliver nothing, so the frames are the changed scenes:
///     one of the farm's 100 scenes changes every 6 s (1 % of the cameras), and windows are whole multiples of
///     6 s so each sees the same schedule. Target: median(with) / median(without) ≥ 0.95.
enum ConsoleBench {
    struct Args {
        var cameras = 10_000
        var interval = 10.0
        var warmup = 180.0
        var window = 30.0
        var rounds = 3
        var loads = 30
        var client = "chromium"
        var models = "weights"
        var bin = ".build/release/camsift"
        var computeThreads = 2
        var script = "bench/console_browser.py"
    }

    static func parse(_ a: [String]) -> Args? {
        var r = Args()
        var i = 0
        while i + 1 < a.count {
            let v = a[i + 1]
            switch a[i] {
            case "--cameras": r.cameras = Int(v) ?? r.cameras
            case "--interval": r.interval = Double(v) ?? r.interval
            case "--warmup": r.warmup = Double(v) ?? r.warmup
            case "--window": r.window = Double(v) ?? r.window
            case "--rounds": r.rounds = Int(v) ?? r.rounds
            case "--loads": r.loads = Int(v) ?? r.loads
            case "--client": r.client = v
            case "--models": r.models = v
            case "--bin": r.bin = v
            case "--compute-threads": r.computeThreads = Int(v) ?? r.computeThreads
            case "--script": r.script = v
            default: return nil
            }
            i += 2
        }
        // Whole periods of the staggered scene changes (one of the 100 scenes every 6 s): every window then sees the
        // same number of changed frames, and the with/without ratio is not the schedule's phase.
        r.window = max(6, (r.window / 6).rounded() * 6)
        return i == a.count && ["chromium", "curl"].contains(r.client) && r.rounds >= 1 ? r : nil
    }

    static func run(_ argv: [String]) async throws -> Int32 {
        guard let a = parse(argv) else {
            print("usage: camsift-bench console [--cameras N] [--interval S] [--warmup S] [--window S] [--rounds N] "
                + "[--loads N] [--client chromium|curl] [--models DIR] [--bin PATH] [--compute-threads N] [--script PATH]")
            return 64
        }
        guard FileManager.default.isExecutableFile(atPath: a.bin) else {
            print("console: no camsift binary at \(a.bin) — make build")
            return 66
        }
        let total = a.warmup + Double(a.rounds) * 2 * (a.window + 3) + 300
        let farm = try BenchFarm(width: 640, height: 480, fps: 1, rotateEvery: 600, stagger: true, rtmp: false, maxSeconds: total + 300)
        defer { farm.stop() }
        let setup = BenchDaemon.Setup(cameras: a.cameras, interval: a.interval, bin: a.bin,
                                      imagenet: a.models + "/effnet-lite0-imagenet.csm", computeThreads: a.computeThreads)
        let daemon = try BenchDaemon(farm: farm, setup)
        defer { _ = daemon.stop() }
        let base = "http://127.0.0.1:\(daemon.metricsPort)"
        print("console: \(a.cameras) cameras, 1 frame / \(a.interval) s, static scenes (1 % change every 6 s); console on \(base); "
            + "client \(a.client); warm-up \(Int(a.warmup)) s, \(a.rounds) rounds of \(Int(a.window)) s without + \(Int(a.window)) s with")

        // The console answers once the daemon is up.
        let up = Date()
        while Curl.get(base + "/cameras").status != 200 {
            guard daemon.isRunning, Date().timeIntervalSince(up) < 120 else {
                print("console: the console did not answer within 120 s (daemon running: \(daemon.isRunning))")
                return 1
            }
            try await Task.sleep(for: .seconds(1))
        }
        let control = farm.dir + "/client-on"
        let client: any LoadClient = a.client == "chromium"
            ? try BrowserClient(script: a.script, base: base, control: control, out: farm.dir + "/browser.jsonl", maxSeconds: total)
            : CurlClient(base: base, control: control, out: farm.dir + "/curl-client.jsonl", maxSeconds: total)
        defer { client.stop() }
        try await Task.sleep(for: .seconds(a.warmup))
        guard daemon.isRunning else { print("console: the daemon exited during the warm-up"); return 1 }

        var v = Verdicts()
        // (a) Response times, nothing else asking.
        let grid = Curl.get(base + "/cameras")
        let tiles = grid.body.components(separatedBy: "class=\"cam ").count - 1
        let images = grid.body.components(separatedBy: "/latest.jpg\"").count - 1
        print("  /cameras: \(grid.body.utf8.count / 1024) KB, \(tiles) tiles, \(images) with a frame")
        let ids = (0..<60).map { String(format: "%05d", $0) }.joined(separator: "\n")
        let apiPath = "/api/cameras?ids=" + (ids.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        let pages: [(String, String)] = [
            ("/cameras", "grid page 1"),
            ("/cameras?state=online&q=7&page=2", "grid filtered (state=online, q=7, page 2)"),
            ("/cameras?page=\(max(1, (a.cameras + 59) / 60))", "grid last page"),
            (apiPath, "/api/cameras (60 ids)"),
        ]
        print("")
        print("| request | loads | median ms | p95 ms | max ms | KB |")
        print("|---|---|---|---|---|---|")
        var timings: [String: [Double]] = [:]
        for (path, name) in pages {
            let t = Curl.times(base + path, count: a.loads)
            timings[path] = t.ms
            print(String(format: "| %@ | %d (%d × 200) | %.1f | %.1f | %.1f | %.0f |", name, t.ms.count, t.ok,
                         median(t.ms), pct(t.ms, 0.95), t.ms.max() ?? .nan, Double(t.bytes) / 1024))
        }
        print("")
        for (path, name) in pages {
            let t = timings[path] ?? []
            v.check(t.count == a.loads && pct(t, 0.95) < 1000, "console \(name) at \(a.cameras) cameras",
                    String(format: "p95 %.1f ms (median %.1f, %d loads)", pct(t, 0.95), median(t), t.count), vs: "p95 < 1000 ms")
        }

        // (b) Frames/s in alternating windows; the client toggles on the control file.
        print("")
        print("| round | client | frames/s in | frames/s logged | model frames/s | dropped | daemon CPU % | client loads | load median ms | images loaded |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        var off: [Double] = [], on: [Double] = [], cpuOff: [Double] = [], cpuOn: [Double] = []
        var loadCount = 0, loadsExpected = 0
        for round in 1...a.rounds {
            // Alternate the order so a drift over the run does not favour one side.
            for withClient in round % 2 == 1 ? [false, true] : [true, false] {
                if withClient {
                    _ = FileManager.default.createFile(atPath: control, contents: nil)
                } else {
                    try? FileManager.default.removeItem(atPath: control)
                }
                try await Task.sleep(for: .seconds(3))  // the client reacts within 0.1 s; the old window's frames drain
                let s0 = DaemonSample.take(daemon)
                try await Task.sleep(for: .seconds(a.window))
                let s1 = DaemonSample.take(daemon)
                guard daemon.isRunning else { print("console: the daemon exited during round \(round)"); return 1 }
                let dt = s1.time - s0.time
                let fps = (s1.logged - s0.logged) / dt
                let loads = client.loads(from: s0.time, to: s1.time)
                if withClient {
                    on.append(fps)
                    loadCount += loads.count
                    loadsExpected += Int(a.window * 0.8)
                } else { off.append(fps) }
                let ms = loads.map(\.ms)
                let imgs = loads.isEmpty ? "–" : "\(loads.map(\.loaded).reduce(0, +))/\(loads.map(\.imgs).reduce(0, +))"
                if withClient { cpuOn.append((s1.cpu - s0.cpu) / dt) } else { cpuOff.append((s1.cpu - s0.cpu) / dt) }
                print(String(format: "| %d | %@ | %.1f | %.1f | %.1f | %.0f | %.0f | %d | %@ | %@ |", round, withClient ? "on" : "off",
                             (s1.framesIn - s0.framesIn) / dt, fps,
                             (s1.classified - s0.classified) / dt, s1.dropped - s0.dropped, (s1.cpu - s0.cpu) / dt * 100,
                             loads.count, loads.isEmpty ? "–" : String(format: "%.0f", median(ms)), imgs))
            }
        }
        try? FileManager.default.removeItem(atPath: control)
        let ratio = median(on) / median(off)
        print("")
        print(String(format: "frames/s logged, median: %.1f without, %.1f with the %@ client: ratio %.3f; daemon CPU %.0f %% → %.0f %% of one core",
                     median(off), median(on), a.client, ratio, median(cpuOff) * 100, median(cpuOn) * 100))
        v.check(loadCount >= loadsExpected, "console \(a.client) client refreshing every second",
                "\(loadCount) page loads in \(a.rounds) windows of \(Int(a.window)) s", vs: "≥ \(loadsExpected) (80 % of one per second)")
        v.check(ratio >= 0.95, "console daemon frames/s while a \(a.client) client refreshes the grid every second",
                String(format: "%.3f × (%.1f vs %.1f frames/s, medians of %d windows)", ratio, median(on), median(off), a.rounds),
                vs: "≥ 0.95 ×")
        return v.exitCode
    }

    static func median(_ x: [Double]) -> Double { pct(x, 0.5) }

    static func pct(_ x: [Double], _ q: Double) -> Double {
        guard !x.isEmpty else { return .nan }
        let s = x.sorted()  // nearest rank
        return s[min(s.count - 1, max(0, Int((Double(s.count) * q).rounded(.up)) - 1))]
    }
}

/// The daemon's counters at one instant: frames logged (classified + reused), model runs, drops, CPU seconds.
struct DaemonSample {
    var time: Double
    var logged: Double
    var classified: Double
    var dropped: Double
    var cpu: Double
    var framesIn: Double

    static func take(_ d: BenchDaemon) -> DaemonSample {
        let m = d.metrics()
        let stat = (try? String(contentsOfFile: "/proc/\(d.pid)/stat", encoding: .utf8)) ?? ""
        let f = stat.split(separator: ")").last?.split(separator: " ") ?? []
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpu = f.count > 13 ? ((Double(f[11]) ?? 0) + (Double(f[12]) ?? 0)) / ticks : 0
        let classified = m["camsift_frames_classified_total{outcome=\"classified\"}"] ?? 0
        let reused = m["camsift_frames_classified_total{outcome=\"reused\"}"] ?? 0
        return DaemonSample(time: Date().timeIntervalSince1970, logged: classified + reused, classified: classified,
                            dropped: m.filter { $0.key.hasPrefix("camsift_frames_dropped_total") }.values.reduce(0, +), cpu: cpu,
                            framesIn: m.filter { $0.key.hasPrefix("camsift_camera_frames_total") }.values.reduce(0, +))
    }
}

/// curl as the HTTP client (Foundation on Linux has none without FoundationNetworking).
enum Curl {
    struct Result {
        var status: Int
        var body: String
    }

    static func run(_ args: [String], timeout: Double = 60) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "--max-time", String(Int(timeout))] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        guard (try? p.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func get(_ url: String) -> Result {
        let out = run(["-w", "\n%{http_code}", "--max-time", "10", url])
        guard let nl = out.lastIndex(of: "\n") else { return Result(status: 0, body: "") }
        return Result(status: Int(out[out.index(after: nl)...]) ?? 0, body: String(out[..<nl]))
    }

    /// `count` GETs of `url` over one keep-alive connection: each one's total time (ms), how many were 200,
    /// and the last body's size.
    static func times(_ url: String, count: Int) -> (ms: [Double], ok: Int, bytes: Int) {
        var args = ["-w", "%{http_code} %{time_total} %{size_download}\n"]
        for _ in 0..<count { args += ["-o", "/dev/null", url] }
        var ms: [Double] = [], ok = 0, bytes = 0
        for line in run(args, timeout: Double(count) * 10).split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3, let t = Double(f[1]) else { continue }
            ms.append(t * 1000)
            if f[0] == "200" { ok += 1 }
            bytes = Int(f[2]) ?? bytes
        }
        return (ms, ok, bytes)
    }
}

/// One refresh of the grid by a client: when it started, how long it took, the images on the page and loaded.
struct ClientLoad {
    var t: Double
    var ms: Double
    var imgs: Int
    var loaded: Int
}

protocol LoadClient {
    /// The client's completed refreshes that started in [from, to).
    func loads(from: Double, to: Double) -> [ClientLoad]
    func stop()
}

extension LoadClient {
    static func read(_ path: String, from: Double, to: Double) -> [ClientLoad] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let t = o["t"] as? Double, let ms = o["ms"] as? Double, t >= from, t < to else { return nil }
            return ClientLoad(t: t, ms: ms, imgs: o["imgs"] as? Int ?? 0, loaded: o["loaded"] as? Int ?? 0)
        }
    }
}

/// Headless Chromium through bench/console_browser.py, in its own session (setsid) so chromedriver and
/// Chromium go with it.
final class BrowserClient: LoadClient {
    let process = Process()
    let out: String

    init(script: String, base: String, control: String, out: String, maxSeconds: Double) throws {
        self.out = out
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = ["/usr/bin/python3", script, base, control, out, String(Int(maxSeconds))]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let t0 = Date()
        while !((try? String(contentsOfFile: out, encoding: .utf8))?.contains("ready") ?? false) {
            guard process.isRunning, Date().timeIntervalSince(t0) < 120 else {
                stop()
                throw BenchError("the browser client did not start within 120 s (chromium, chromium-driver, python3-selenium: make deps)")
            }
            usleep(200_000)
        }
        print("  browser: headless Chromium up in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
    }

    func loads(from: Double, to: Double) -> [ClientLoad] { Self.read(out, from: from, to: to) }

    func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)  // the script quits the driver (and Chromium) itself
        let t0 = Date()
        while process.isRunning && Date().timeIntervalSince(t0) < 15 { usleep(100_000) }
        kill(-pid, SIGKILL)  // its session's process group: chromedriver and Chromium, if anything is left
        process.waitUntilExit()
    }
}

/// curl doing the page's requests every second: `/cameras`, then every `latest.jpg` on it and `/api/cameras`
/// for its tiles, over one keep-alive connection per refresh.
final class CurlClient: LoadClient, @unchecked Sendable {
    let out: String
    private let thread: Thread

    init(base: String, control: String, out: String, maxSeconds: Double) {
        self.out = out
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let flag = StopFlag()
        let deadline = Date().addingTimeInterval(maxSeconds)
        thread = Thread {
            let h = FileHandle(forWritingAtPath: out)
            while !flag.isSet && Date() < deadline {
                guard FileManager.default.fileExists(atPath: control) else { usleep(100_000); continue }
                let t0 = Date().timeIntervalSince1970
                let page = Curl.get(base + "/cameras").body
                let srcs = page.components(separatedBy: "src=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
                    .filter { $0.hasSuffix("/latest.jpg") }
                let ids = page.components(separatedBy: "data-camera=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
                var args = ["-w", "%{http_code}\n"]
                for s in srcs { args += ["-o", "/dev/null", base + s] }
                args += ["-o", "/dev/null", base + "/api/cameras?ids="
                    + (ids.joined(separator: "\n").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")]
                let codes = Curl.run(args, timeout: 10).split(separator: "\n")
                let ms = (Date().timeIntervalSince1970 - t0) * 1000
                let line = "{\"t\": \(t0), \"ms\": \(ms), \"imgs\": \(srcs.count), \"loaded\": \(codes.dropLast().filter { $0 == "200" }.count)}\n"
                h?.write(Data(line.utf8))
                let left = 1 - (Date().timeIntervalSince1970 - t0)
                if left > 0 { usleep(UInt32(left * 1_000_000)) }
            }
            try? h?.close()
        }
        self.flag = flag
        thread.start()
    }

    private let flag: StopFlag

    func loads(from: Double, to: Double) -> [ClientLoad] { Self.read(out, from: from, to: to) }

    func stop() { flag.set() }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
