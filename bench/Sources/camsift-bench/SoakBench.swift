#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Learning

/// `camsift-bench soak`: issue 6's 1-hour soak. The real `camsift run` with 1,000 cameras (snapshots behind a
/// real nginx, MJPEG streams from `camserver`, plus cameras that are permanently broken: 404, refused port),
/// faults injected on a schedule (the snapshot server killed and restarted; every MJPEG stream stalled with
/// SIGSTOP and resumed), and one retrain (SIGUSR1, on a labeled Fashion-MNIST archive) with its promotion in the
/// middle. Checks, printed as PASS/FAIL:
/// - no crash: the daemon runs to the end and exits 0 on SIGTERM;
/// - no lost line: after the servers are stopped and the queue drained, every frame ingest handed to the batcher
///   is accounted as exactly one log line, a counted drop, or a counted failure
///   (`submitted = dropped + failed + lines`, and the log's line count equals classified + reused), and every
///   log line parses;
/// - RSS flat: ≤ 5 % growth while each model is served — from the end of warm-up to the retrain, and from a
///   warm-up after the promotion to the end. A leak grows in both; the step at the swap is the promoted bundle's
///   size (two tops on a shared trunk instead of one ImageNet network) and is printed, with the whole-run figure;
/// - the retrain ran and the candidate was promoted and hot-swapped in.
enum SoakBench {
    struct Args {
        var cameras = 1000
        var mjpeg = 100
        var broken = 10
        var interval = 10.0
        var duration = 3600.0
        var warmup = 300.0
        var rotateEvery = 60.0
        var faultEvery = 600.0
        var faultLength = 30.0
        var retrainAt = 0.5
        var perClass = 100
        var bin = ".build/release/camsift"
        var models = "weights"
    }

    static func parse(_ a: [String]) -> Args? {
        var r = Args()
        var i = 0
        while i + 1 < a.count {
            let v = a[i + 1]
            switch a[i] {
            case "--cameras": r.cameras = Int(v) ?? r.cameras
            case "--mjpeg": r.mjpeg = Int(v) ?? r.mjpeg
            case "--broken": r.broken = Int(v) ?? r.broken
            case "--interval": r.interval = Double(v) ?? r.interval
            case "--duration": r.duration = Double(v) ?? r.duration
            case "--warmup": r.warmup = Double(v) ?? r.warmup
            case "--rotate-every": r.rotateEvery = Double(v) ?? r.rotateEvery
            case "--fault-every": r.faultEvery = Double(v) ?? r.faultEvery
            case "--fault-length": r.faultLength = Double(v) ?? r.faultLength
            case "--retrain-at": r.retrainAt = Double(v) ?? r.retrainAt
            case "--per-class": r.perClass = Int(v) ?? r.perClass
            case "--bin": r.bin = v
            case "--models": r.models = v
            default: return nil
            }
            i += 2
        }
        return i == a.count ? r : nil
    }

    static func run(_ argv: [String]) async throws -> Int32 {
        guard let a = parse(argv) else {
            print("usage: camsift-bench soak [--cameras N] [--mjpeg M] [--broken B] [--interval S] [--duration S] "
                + "[--warmup S] [--rotate-every S] [--fault-every S] [--fault-length S] [--retrain-at FRACTION] [--per-class N] [--bin PATH]")
            return 64
        }
        let farm = try BenchFarm(width: 640, height: 480, fps: 1, rotateEvery: a.rotateEvery, stagger: false, rtmp: false,
                                 maxSeconds: a.duration + 900)
        defer { farm.stop() }
        let archive = farm.dir + "/labeled"
        try makeArchive(archive, perClass: a.perClass)
        var setup = BenchDaemon.Setup(cameras: a.cameras, mjpeg: a.mjpeg, interval: a.interval, bin: a.bin,
                                      imagenet: a.models + "/effnet-lite0-imagenet.csm")
        setup.archive = archive
        for i in 0..<a.broken {
            let url = i % 2 == 0 ? "http://127.0.0.1:\(farm.nginxPort)/missing/\(i).jpg" : "http://127.0.0.1:9/closed.jpg"
            setup.extraCameras["broken-\(i).json"] = "{\"id\": \"broken-\(i)\", \"kind\": \"snapshot\", \"url\": \"\(url)\", \"interval\": \(a.interval)}"
        }
        let daemon = try BenchDaemon(farm: farm, setup)
        defer { _ = daemon.stop() }
        print("soak: \(a.cameras) cameras (\(a.cameras - a.mjpeg - a.broken) snapshot, \(a.mjpeg) MJPEG, \(a.broken) broken), "
            + "1 frame / \(a.interval) s, scenes change every \(a.rotateEvery) s; \(Int(a.duration)) s with warm-up "
            + "\(Int(a.warmup)) s; faults every \(Int(a.faultEvery)) s for \(Int(a.faultLength)) s; retrain at "
            + "\(Int(a.duration * a.retrainAt)) s")
        let t0 = Date()
        func now() -> Double { Date().timeIntervalSince(t0) }
        var warm: Sample?
        var afterPromotion: Sample?
        /// The last sample before the retrain, and the first one a warm-up after the promotion: the two ends of
        /// the served models' steady states, between which RSS must stay flat.
        var beforeRetrain: Sample?
        var promotedAt: Double?
        var settled: Sample?
        // The retrain's effect on live classification: log offsets when training was first and last seen.
        var trainingFrom: Sample?
        var trainingTo: Sample?
        var retrainSent = false
        var faults = 0
        var nextFault = a.faultEvery
        var last = daemon.sample()
        while now() < a.duration && daemon.isRunning {
            try await Task.sleep(for: .seconds(10))
            if now() >= nextFault {
                faults += 1
                nextFault += a.faultEvery
                if faults % 2 == 1 {
                    print(String(format: "  t=%5.0fs  fault %d: snapshot server killed for %.0f s", now(), faults, a.faultLength))
                    farm.stopNginx()
                    try await Task.sleep(for: .seconds(a.faultLength))
                    try farm.startNginx()
                } else {
                    print(String(format: "  t=%5.0fs  fault %d: MJPEG streams stalled (SIGSTOP) for %.0f s", now(), faults, a.faultLength))
                    farm.pauseMJPEG(true)
                    try await Task.sleep(for: .seconds(a.faultLength))
                    farm.pauseMJPEG(false)
                }
            }
            if !retrainSent && now() >= a.duration * a.retrainAt {
                retrainSent = true
                beforeRetrain = last
                print(String(format: "  t=%5.0fs  SIGUSR1: retrain requested", now()))
                daemon.signal(SIGUSR1)
            }
            last = daemon.sample()
            if warm == nil && now() >= a.warmup { warm = last }
            let m = last.metrics
            let swaps = m["camsift_model_swaps_total"] ?? 0
            if afterPromotion == nil && swaps > 0 && (m["camsift_training"] ?? 0) == 0 { afterPromotion = last; promotedAt = now() }
            if settled == nil, let p = promotedAt, now() >= p + a.warmup { settled = last }
            if (m["camsift_training"] ?? 0) == 1 {
                if trainingFrom == nil { trainingFrom = last }
                trainingTo = last
            }
            let online = m["camsift_cameras{state=\"online\"}"] ?? 0
            print(String(format: "  t=%5.0fs  online %4.0f  queue %4.0f  dropped %6.0f  lines %8d  rss %5.0f MB  training %.0f  swaps %.0f",
                         now(), online, last.queue, last.dropped, last.lines, Double(last.rssKB) / 1024,
                         m["camsift_training"] ?? 0, swaps))
        }
        guard daemon.isRunning else {
            print("FAIL  no crash: the daemon exited during the soak (status \(daemon.process.terminationStatus))")
            return 1
        }
        // Stop the cameras' servers so intake ends, let the queue drain, then account for every frame.
        farm.stopNginx()
        farm.pauseMJPEG(true)
        var m = daemon.metrics()
        for _ in 0..<60 {
            try await Task.sleep(for: .seconds(2))
            let n = daemon.metrics()
            if (n["camsift_queue_depth"] ?? 1) == 0 && n["camsift_frames_submitted_total"] == m["camsift_frames_submitted_total"] {
                m = n
                break
            }
            m = n
        }
        let end = daemon.sample()
        let submitted = m["camsift_frames_submitted_total"] ?? -1
        let dropped = m.filter { $0.key.hasPrefix("camsift_frames_dropped_total") }.values.reduce(0, +)
        let classified = m["camsift_frames_classified_total{outcome=\"classified\"}"] ?? 0
        let reused = m["camsift_frames_classified_total{outcome=\"reused\"}"] ?? 0
        let failed = m["camsift_frames_classified_total{outcome=\"failed\"}"] ?? 0
        let parse = LogCheck.run(daemon.log)
        let status = daemon.stop(timeout: 30)
        let base = warm ?? last
        func pct(_ from: Sample, _ to: Sample) -> Double { Double(to.rssKB - from.rssKB) / Double(max(1, from.rssKB)) * 100 }
        func mb(_ s: Sample) -> Double { Double(s.rssKB) / 1024 }
        let growth = pct(base, end)
        // RSS flat means no leak while a model is served: warm-up → retrain (the first model), and a warm-up
        // after the promotion → end (the promoted one). The step between them is the promoted bundle being a
        // different size from the model it replaced (M0 + M1 tops on a shared trunk vs one ImageNet network),
        // printed, not counted as growth.
        let firstModel = beforeRetrain.map { pct(base, $0) }
        let secondModel = settled.map { pct($0, end) }
        print("")
        print(String(format: "frames: submitted %.0f = dropped %.0f + failed %.0f + lines %d (classified %.0f, reused %.0f)",
                     submitted, dropped, failed, parse.lines, classified, reused))
        print("log: \(parse.lines) lines, \(parse.bad) unparsable, latency p50 \(Int(parse.p50)) ms / p99 \(Int(parse.p99)) ms over the whole soak")
        print(String(format: "RSS: %.0f MB after warm-up → %.0f MB at the end (%+.1f %%)", Double(base.rssKB) / 1024,
                     Double(end.rssKB) / 1024, growth))
        if let r = beforeRetrain, let st = settled {
            print(String(format: "RSS while the first model was served: %.0f → %.0f MB (%+.1f %%); the promoted one, from a warm-up after the promotion: %.0f → %.0f MB (%+.1f %%); step at the swap %+.0f MB",
                         mb(base), mb(r), pct(base, r), mb(st), mb(end), pct(st, end), mb(st) - mb(r)))
        }
        if let p = afterPromotion {
            print(String(format: "RSS after the promotion: %.0f MB → %.0f MB at the end (%+.1f %%)", Double(p.rssKB) / 1024,
                         Double(end.rssKB) / 1024, Double(end.rssKB - p.rssKB) / Double(max(1, p.rssKB)) * 100))
        }
        if let f = trainingFrom, let t = trainingTo, let w = warm, t.logBytes > f.logBytes, f.logBytes > w.logBytes {
            // Slowdown while training runs in-process (issue 6): the same measures before and during.
            let during = LogWindow.latencies(log: daemon.log, from: f.logBytes, to: t.logBytes)
            let before = LogWindow.latencies(log: daemon.log, from: w.logBytes, to: f.logBytes)
            print(String(format: "while training (%.0f s): %.1f lines/s, p50 %.0f ms, p99 %.0f ms; before it (from warm-up): %.1f lines/s, p50 %.0f ms, p99 %.0f ms",
                         t.time - f.time, Double(t.lines - f.lines) / max(1, t.time - f.time), during.p(0.5), during.p(0.99),
                         Double(f.lines - w.lines) / max(1, f.time - w.time), before.p(0.5), before.p(0.99)))
        }
        print(String(format: "CPU: %.0f %% of a core on average", (end.cpuSeconds) / max(1, now()) * 100))
        let verdict = (try? String(contentsOfFile: daemon.dir + "/daemon.stderr", encoding: .utf8))?
            .split(separator: "\n").filter { $0.contains("retrain:") && ($0.contains("promoted") || $0.contains("rejected")) }.last.map(String.init) ?? "none"
        print("retrain verdict: \(verdict)")
        print("operational log, by message (camera ids, numbers and URLs folded):")
        for (n, line) in OpsSummary.run(daemon.dir + "/daemon.stderr").prefix(12) { print(String(format: "  %6d  ", n) + line) }
        var v = Verdicts()
        v.check(status == 0, "no crash", "ran \(Int(a.duration)) s, SIGTERM → exit status \(status.map(String.init) ?? "killed")",
                vs: "exit status 0")
        v.check(submitted == dropped + failed + Double(parse.lines) && Double(parse.lines) == classified + reused && parse.bad == 0,
                "no lost line", String(format: "submitted %.0f = dropped %.0f + failed %.0f + lines %d, %d unparsable",
                                       submitted, dropped, failed, parse.lines, parse.bad),
                vs: "every submitted frame is one log line or a counted drop/failure")
        if let f = firstModel, let g = secondModel {
            v.check(max(f, g) <= 5, "RSS flat", String(format: "%+.1f %% while the first model was served, %+.1f %% while the promoted one was (whole run %+.1f %%)", f, g, growth),
                    vs: "≤ 5 % each")
        } else {
            v.check(growth <= 5, "RSS flat", String(format: "%+.1f %% after warm-up (no promotion to split at)", growth), vs: "≤ 5 %")
        }
        v.check((m["camsift_model_swaps_total"] ?? 0) >= 1 && (m["camsift_training_runs_total"] ?? 0) >= 1,
                "retrain + promotion in the middle",
                "\(Int(m["camsift_training_runs_total"] ?? 0)) run(s), \(Int(m["camsift_model_swaps_total"] ?? 0)) hot swap(s)",
                vs: "≥ 1 run and ≥ 1 swap")
        return v.exitCode
    }

    /// Four Fashion-MNIST classes × `perClass` real images as `ARCHIVE/<label>/*.jpg`: what an operator would
    /// have labeled, enough for the daemon's transfer-learning retrain to run end to end.
    static func makeArchive(_ dir: String, perClass: Int) throws {
        try LongTailProfile.writeFashionMNISTSubset(dir, counts: [0: perClass, 1: perClass, 7: perClass, 8: perClass], seed: 5)
    }
}

/// Reads the whole classification log: line count, unparsable lines, latency percentiles.
enum LogCheck {
    struct Result {
        var lines = 0
        var bad = 0
        var p50 = 0.0
        var p99 = 0.0
    }

    static func run(_ path: String) -> Result {
        var r = Result()
        guard let data = FileManager.default.contents(atPath: path) else { return r }
        var lat: [Double] = []
        let decoder = JSONDecoder()
        for line in data.split(separator: 10, omittingEmptySubsequences: false).dropLast() {
            r.lines += 1
            if let rec = try? decoder.decode(ClassificationRecord.self, from: Data(line)) {
                lat.append(rec.latency_ms)
            } else {
                r.bad += 1
            }
        }
        if data.last != 10 && !data.isEmpty { r.bad += 1 }
        lat.sort()
        if !lat.isEmpty {
            r.p50 = lat[lat.count / 2]
            r.p99 = lat[min(lat.count - 1, lat.count * 99 / 100)]
        }
        return r
    }
}

/// Folds the daemon's operational log into message shapes and counts them (most frequent first).
enum OpsSummary {
    static func run(_ path: String) -> [(Int, String)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            var shape = ""
            var inDigits = false
            var quote = false
            for ch in line.prefix(160) {
                if ch == "'" { quote.toggle(); if quote { shape += "'…'" }; continue }
                if quote { continue }
                if ch.isNumber { if !inDigits { shape += "#" }; inDigits = true; continue }
                inDigits = false
                shape.append(ch)
            }
            counts[shape, default: 0] += 1
        }
        return counts.sorted { $0.value > $1.value }.map { ($0.value, $0.key) }
    }
}
