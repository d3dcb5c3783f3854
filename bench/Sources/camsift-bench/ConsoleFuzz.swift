#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CamsiftCore
import Console
import Foundation
import Labels
import WebServer

/// `camsift-bench console-fuzz [--runs N] [--seed S] [--replay RUN]`: the console's request router in-process,
/// on a real label store and review queue in a temporary archive (as Tests/ConsoleTests' `ConsoleFixture`),
/// with generated requests: the real routes mutated (random, empty, `..`, percent-escaped, unicode, numeric
/// incl. negative and huge, very long segments), pure random bytes, random methods, and random query/form maps
/// (id lists with junk, label names with junk). State-changing POSTs (label, mark, undo, labels, retrain,
/// rollback) are included; label names come from a small vocabulary (plus random junk the store refuses), so
/// the archive stays small. New review items are offered every 1,000 runs so that id lists hit real items.
///
/// Every response is checked: status in 200..<500, no secret of the fixture's cameras (URL credentials, header
/// values, the password file's path), no filesystem path outside the fixture that the request did not itself
/// carry (an echo of a bad parameter is not a leak), no file content (`root:x:`). At the end: the fixture
/// holds only `archive/` and `models/`, nothing named after the fuzzer's canary appeared in /tmp or the working
/// directory, and no symbolic link in the archive points outside it.
///
/// Seeded: run R's request depends only on (seed, R), so `--replay R` prints it. A crash (trap, signal) prints
/// the run number and the replay command before dying.
enum ConsoleFuzz {
    static func run(_ argv: [String]) async throws -> Int32 {
        var runs = 1_000_000
        var seed = UInt64.random(in: 1...UInt64(UInt32.max))
        var replay: Int?
        var i = 0
        while i + 1 < argv.count {
            switch argv[i] {
            case "--runs": runs = Int(argv[i + 1]) ?? runs
            case "--seed": seed = UInt64(argv[i + 1]) ?? seed
            case "--replay": replay = Int(argv[i + 1])
            default:
                print("usage: camsift-bench console-fuzz [--runs N] [--seed S] [--replay RUN]")
                return 64
            }
            i += 2
        }
        if let r = replay {
            print(Gen.request(seed: seed, run: r).describe())
            return 0
        }
        let fixture = try FuzzFixture()
        defer { fixture.close() }
        let cwd = FileManager.default.currentDirectoryPath
        let cwdBefore = Set((try? FileManager.default.contentsOfDirectory(atPath: cwd)) ?? [])
        print("console-fuzz: \(runs) runs, seed \(seed), fixture \(fixture.dir) (replay a run: camsift-bench console-fuzz --seed \(seed) --replay RUN)")
        CrashReport.install(seed: seed)

        var failures = 0
        var statuses: [Int: Int] = [:]
        var kinds: [String: Int] = [:]
        var cost: [String: (n: Int, ns: UInt64)] = [:]
        let t0 = Date()
        var lastReport = t0
        for r in 0..<runs {
            if r % 1000 == 0 { fixture.offer(3, round: r / 1000) }
            CrashReport.currentRun = r
            let req = Gen.request(seed: seed, run: r)
            let c0 = DispatchTime.now().uptimeNanoseconds
            let resp = fixture.console.handler.respond(to: req)
            let key = req.routeKey
            cost[key, default: (0, 0)].n += 1
            cost[key, default: (0, 0)].ns += DispatchTime.now().uptimeNanoseconds - c0
            statuses[resp.status, default: 0] += 1
            if let problem = check(resp, req, fixture: fixture) {
                failures += 1
                kinds[problem, default: 0] += 1
                if failures <= 20 {
                    print("  failure at run \(r): \(problem): status \(resp.status), request \(req.describe(limit: 300))")
                    print("    body: \(String(decoding: resp.body.prefix(300), as: UTF8.self).debugDescription)")
                }
            }
            if r % 50_000 == 49_999, Date().timeIntervalSince(lastReport) >= 10 {
                lastReport = Date()
                print(String(format: "  %7d runs, %.0f runs/s, %d failures", r + 1, Double(r + 1) / lastReport.timeIntervalSince(t0), failures))
            }
        }
        let secs = Date().timeIntervalSince(t0)
        CrashReport.currentRun = -1
        fixture.console.labelling!.queue.flush()
        let leftovers = fixture.strayFiles(cwd: cwd, cwdBefore: cwdBefore)
        for f in leftovers.prefix(20) { print("  stray file: \(f)") }
        failures += leftovers.count
        print("  statuses: " + statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))
        print("  fixture after the run: \(fixture.console.labelling!.store.labels().count) labels, \(fixture.console.labelling!.queue.pendingCount()) pending, "
            + "\(fixture.archiveFileCount()) archive files, \(fixture.retrains.count) retrain requests")
        let costly = cost.sorted { $0.value.ns > $1.value.ns }.prefix(6)
        print(String(format: "  time in respond(to:): %.0f%% of the run", Double(cost.values.map(\.ns).reduce(0, +)) / 1e9 / Date().timeIntervalSince(t0) * 100))
        print("  most time: " + costly.map { String(format: "%@ %.0f%% (%d × %.0f µs)", $0.key, Double($0.value.ns) / Double(cost.values.map(\.ns).reduce(0, +)) * 100, $0.value.n, Double($0.value.ns) / Double($0.value.n) / 1000) }.joined(separator: ", "))
        if !kinds.isEmpty { print("  failure kinds: \(kinds)") }
        print(String(format: "  %.0f runs/s (%.1f s)", Double(runs) / secs, secs))
        var v = Verdicts()
        v.check(runs >= 1_000_000 && failures == 0, "console router fuzz",
                "\(runs) runs, \(failures) failures (seed \(seed))", vs: "≥ 1,000,000 runs, 0 failures")
        return v.exitCode
    }

    /// Secrets planted in the fixture's camera definitions: no response may show them.
    static let secrets = ["pw-canary", "hdr-canary", "fuzz-secret-canary", "root:x:0:0"]
    /// Paths outside the fixture.
    static let foreignPaths = ["/etc/", "/proc/", "/sys/", "/root", "/home/", "/usr/", "/var/", "/dev/", "/bin/", "/work",
                               "/tmp/", "/.build", NSHomeDirectory()]

    static func check(_ resp: HTTPResponse, _ req: HTTPRequest, fixture: FuzzFixture) -> String? {
        guard (200..<500).contains(resp.status) else { return "status \(resp.status)" }
        let body = resp.body
        for s in secrets where has(body, s) { return "body shows the secret '\(s)'" }
        guard body.contains(UInt8(ascii: "/")) else { return nil }
        var sent: [UInt8]?
        for p in foreignPaths where has(body, p) {
            sent = sent ?? Array(req.allText.utf8)
            if has(sent!, p) { continue }  // an echo of what the client sent, not a leak
            // The fixture's own directory (under /tmp) is allowed; anything else is not.
            let stripped = Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: fixture.dir, with: "").utf8)
            if has(stripped, p) { return "body names a path outside the fixture ('\(p)')" }
        }
        return nil
    }

    /// Whether `needle` occurs in `haystack` (bytes: memchr for the first byte, then memcmp).
    static func has(_ haystack: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard let first = n.first, haystack.count >= n.count else { return n.isEmpty }
        return haystack.withUnsafeBytes { h in
            n.withUnsafeBytes { nb in
                let base = h.baseAddress!
                var i = 0
                let last = h.count - nb.count
                while i <= last {
                    guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return false }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, nb.baseAddress!, nb.count) == 0 { return true }
                    i = at + 1
                }
                return false
            }
        }
    }
}

extension HTTPRequest {
    /// Everything the client sent, for telling an echo from a leak.
    var allText: String {
        path + " " + query.map { $0.key + "=" + $0.value }.joined(separator: " ") + " "
            + form.map { $0.key + "=" + $0.value }.joined(separator: " ")
    }

    /// The method and the first two path segments, for the time breakdown.
    var routeKey: String {
        let m = ["GET", "HEAD", "POST"].contains(method) ? method : "other"
        let segs = path.utf8.prefix(64).split(separator: UInt8(ascii: "/")).prefix(2)
        return m + " /" + segs.map { $0.count > 12 || !$0.allSatisfy { $0 < 128 } ? "…" : String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
    }

    func describe(limit: Int = 100_000) -> String {
        func clip(_ s: String) -> String { s.count > limit ? String(s.prefix(limit)) + "…(\(s.count) chars)" : s }
        return "\(method.debugDescription) \(clip(path).debugDescription) query \(query.mapValues(clip).sorted { $0.key < $1.key }) "
            + "form \(form.mapValues(clip).sorted { $0.key < $1.key })"
    }
}
