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

/// The console on a real label store and review queue in a temporary directory, with cameras whose definitions
/// carry secrets (URL credentials, header values, a password file path) that must never be shown.
final class FuzzFixture {
    let dir: String
    let console: OperatorConsole
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.lock(); n += 1; lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return n }
    }
    let retrains = Counter()
    static let cameraIDs = ["street", "tree", "lobby 1", "ü-cam", "<script>x</script>", "00042", "a%2Fb", "cam.jpg"]

    init() throws {
        dir = NSTemporaryDirectory() + "camsift-console-fuzz-\(getpid())"
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir)
        try fm.createDirectory(atPath: dir + "/archive", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/models", withIntermediateDirectories: true)
        var policy = ReviewPolicy()
        policy.scoreBelow = 1.01
        policy.perCameraPerHour = 1_000_000
        policy.perHour = 1_000_000
        policy.maxPending = 100_000
        let store = try LabelStore(archive: dir + "/archive")
        let queue = try ReviewQueue(archive: dir + "/archive", policy: policy, seed: 7)
        let ids = Self.cameraIDs
        let health = ids.enumerated().map { i, id in
            CameraHealth(id: id, kind: i % 2 == 0 ? .stream : .snapshot, state: [.online, .offline, .degraded, .backoff][i % 4])
        }
        let counter = retrains
        let context = ConsoleContext(
            health: { health },
            camera: { id in
                guard ids.contains(id) else { return nil }
                return Camera(id: id, kind: .stream, url: "rtsp://admin:pw-canary@10.0.0.9/x", interval: 1,
                              auth: .init(user: "admin", passwordFile: "/etc/fuzz-secret-canary"),
                              headers: ["Authorization": "Bearer hdr-canary"], tags: ["north", "gate 2"])
            },
            retrain: { counter.add(); return "retrain requested" },
            retrainStatus: { nil },
            rollback: { throw ConsoleError("no previous bundle") },
            servingModel: { "m-1" }, models: dir + "/models")
        console = OperatorConsole(store: store, queue: queue, context: context, csrfToken: "csrf")
    }

    /// Offers `n` frames of camera `round % 8` (distinct JPEG-looking bytes) and waits for the queue's writer.
    func offer(_ n: Int, round: Int) {
        let camera = Self.cameraIDs[round % Self.cameraIDs.count]
        let t0 = Timestamp.now()
        for i in 0..<n {
            let jpeg: [UInt8] = [0xFF, 0xD8, UInt8(i & 0xFF), UInt8(round & 0xFF), UInt8((round >> 8) & 0xFF), 0xFF, 0xD9]
            let frame = Frame(camera: camera, capturedAt: .now, capturedWall: t0 + Double(i), jpeg: jpeg,
                              pixels: DecodedFrame(width: 1, height: 1, rgb: [0, 0, 0]))
            let record = ClassificationRecord(ts: "", camera: camera, label: i % 2 == 0 ? "pole" : "street sign", score: 0.3,
                                              model: "m-1", via: "single", top: [.init(label: "pole", score: 0.3)], latency_ms: 1)
            console.observer.observe(frame, record: record, roles: i % 3 == 0 ? ["M0": "pole", "M1": "car"] : [:])
        }
        console.labelling!.queue.flush()
    }

    func archiveFileCount() -> Int {
        (FileManager.default.enumerator(atPath: dir + "/archive")?.allObjects.count) ?? 0
    }

    /// Files the fuzzer's requests could have created outside the archive.
    func strayFiles(cwd: String, cwdBefore: Set<String>) -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        let top = Set((try? fm.contentsOfDirectory(atPath: dir)) ?? [])
        for extra in top.subtracting(["archive", "models"]) { out.append(dir + "/" + extra) }
        for m in (try? fm.contentsOfDirectory(atPath: dir + "/models")) ?? [] { out.append(dir + "/models/" + m) }
        let cwdNow = Set((try? fm.contentsOfDirectory(atPath: cwd)) ?? [])
        for extra in cwdNow.subtracting(cwdBefore) { out.append(cwd + "/" + extra) }
        // Anything named after the canary, anywhere the fuzzer's names could have landed.
        let parent = (dir as NSString).deletingLastPathComponent
        for root in [parent, cwd, "/", "/etc", dir + "/archive"] {
            for name in (try? fm.contentsOfDirectory(atPath: root)) ?? [] where name.lowercased().contains("fuzzcanary") {
                out.append(root + "/" + name)
            }
        }
        // Every path in the archive resolves inside it (no symbolic link out).
        let archive = URL(fileURLWithPath: dir + "/archive").resolvingSymlinksInPath().path
        if let e = fm.enumerator(atPath: dir + "/archive") {
            for case let rel as String in e {
                let full = URL(fileURLWithPath: dir + "/archive/" + rel).resolvingSymlinksInPath().path
                if !full.hasPrefix(archive + "/") { out.append(dir + "/archive/" + rel + " → " + full) }
                if rel.lowercased().contains("fuzzcanary") { out.append(dir + "/archive/" + rel) }
            }
        }
        return out
    }

    func close() {
        console.labelling!.queue.close()
        console.labelling!.store.close()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// A crash (a Swift trap is SIGILL/SIGTRAP) prints the run it happened in and how to replay it, then dies with
/// the default action. The handler only writes pre-formatted bytes and the run number.
enum CrashReport {
    nonisolated(unsafe) static var currentRun = -1
    nonisolated(unsafe) static var prefix: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) static var prefixLength = 0

    static func install(seed: UInt64) {
        let text = "\nFAIL  console router fuzz: crashed (a trap or fatal signal); seed \(seed), run "
        prefix = strdup(text)
        prefixLength = text.utf8.count
        var sa = sigaction()
        sa.__sigaction_handler.sa_handler = { sig in
            if let p = CrashReport.prefix { _ = write(2, p, CrashReport.prefixLength) }
            var digits = [CChar](repeating: 0, count: 24)  // no allocation in practice matters little: we die next
            var n = CrashReport.currentRun
            var k = 23
            if n <= 0 { digits[k] = 0x30 + CChar(max(0, n)); k -= 1 }
            while n > 0 && k >= 0 { digits[k] = 0x30 + CChar(n % 10); n /= 10; k -= 1 }
            digits.withUnsafeBufferPointer { b in _ = write(2, b.baseAddress! + k + 1, 23 - k) }
            _ = write(2, "\n", 1)
            signal(sig, SIG_DFL)
            raise(sig)
        }
        for s in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] { sigaction(s, &sa, nil) }
    }
}

/// The request generator: run R's request depends only on (seed, R).
enum Gen {
    struct RNG: RandomNumberGenerator {
        var s: UInt64
        mutating func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
        mutating func pick<T>(_ a: [T]) -> T { a[Int.random(in: 0..<a.count, using: &self)] }
        mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &self) }
    }

    static let routes = [
        "/", "/cameras", "/cameras/{cam}", "/cameras/{cam}/latest.jpg", "/review", "/review/{n}.jpg", "/dataset", "/models",
        "/static/console.js", "/static/console.css", "/api/label", "/api/mark", "/api/undo", "/api/labels", "/api/retrain",
        "/api/rollback", "/api/cameras",
    ]
    static let methods = ["GET", "GET", "GET", "POST", "POST", "POST", "HEAD"]
    static let oddMethods = ["PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "get", "post", "", " GET", "GET\0", "ÄÖÜ"]
    static let numbers = ["0", "1", "2", "3", "17", "-1", "-0", "+1", " 1", "1 ", "01", "1.5", "1e3", "0x10",
                          "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                          "99999999999999999999999999", "4294967296", "192153584101141164", "384307168202282326", "NaN", "١٢٣"]
    static let junkSegments = ["..", ".", "", "%2e%2e", "%2F", "%00", "..%2f..%2fetc", "etc", "passwd", "/etc/passwd",
                               "..\\..\\windows", "~", "~root", "fuzzcanary", "fuzzcanary.jpg", "latest.jpg", "console.js",
                               "api", "cameras", "review", "static", "ü", "日本語", "🎥", "\u{202E}gpj.exe", "<script>",
                               "\"'", "a\u{0}b", "\r\nX-Injected: 1", "%", "%zz", "+", " ", "\t", ".camsift", "unlabeled",
                               "CON", "NUL", "labels.sqlite", ".camsift/labels.sqlite", "/proc/self/environ"]
    static let labelNames = ["road", "car", "tree", "person", "delivery van", "nacht-zug", "日本", "ü"]
    static let junkLabels = ["", " ", " road", "road ", "../etc", "..", ".hidden", "a/b", "a\\b", "unlabeled", "fuzzcanary/../x",
                             "/tmp/fuzzcanary", "road\0", "<b>x</b>", "a,b", "x\ny", "🎥", "%2e%2e"]
    static let queryKeys = ["state", "label", "tag", "q", "page", "camera", "reason", "unsure", "ids", "csrf", "t", "x", ""]
    static let formKeys = ["ids", "label", "verdict", "name", "csrf", "ids", "label", "y"]

    static func request(seed: UInt64, run: Int) -> HTTPRequest {
        var g = RNG(s: seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(truncatingIfNeeded: run) &* 0x9E37_79B9_7F4A_7C15)
        _ = g.next()
        let method = g.chance(0.9) ? g.pick(methods) : (g.chance(0.7) ? g.pick(oddMethods) : randomString(&g, max: 12))
        let path = g.chance(0.88) ? grammarPath(&g, run: run) : randomPath(&g)
        var query: [String: String] = [:]
        for _ in 0..<g.int(0...(g.chance(0.3) ? 0 : 4)) { query[g.chance(0.9) ? g.pick(queryKeys) : randomString(&g, max: 8)] = value(&g, run: run) }
        var form: [String: String] = [:]
        if method == "POST" || g.chance(0.05) {
            for _ in 0..<g.int(0...4) {
                let key = g.chance(0.92) ? g.pick(formKeys) : randomString(&g, max: 8)
                form[key] = key == "name" || key == "label" ? labelValue(&g) : key == "verdict" ? verdict(&g) : value(&g, run: run)
            }
        }
        return HTTPRequest(method: method, path: path, query: query, form: form,
                           headers: g.chance(0.1) ? ["origin": "http://evil.example", "x-csrf-token": "csrf"] : [:],
                           remoteAddress: g.chance(0.95) ? "127.0.0.1" : "::1")
    }

    /// `String(repeating:count:)`, cached: the same long strings recur, and building them dominated the run.
    nonisolated(unsafe) static var repeats: [String: String] = [:]
    static func repeated(_ unit: String, count: Int) -> String {
        let key = "\(count) " + unit
        if let s = repeats[key] { return s }
        let s = String(repeating: unit, count: count)
        repeats[key] = s
        return s
    }

    static func grammarPath(_ g: inout RNG, run: Int) -> String {
        var segs = g.pick(routes).split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { s -> String in
            switch s {
            case "{cam}": return g.chance(0.7) ? g.pick(FuzzFixture.cameraIDs) : segment(&g)
            case "{n}.jpg": return (g.chance(0.6) ? itemID(&g, run: run) : g.pick(numbers)) + (g.chance(0.9) ? ".jpg" : g.pick(["", ".JPG", ".jpg.jpg", ".png"]))
            default: return String(s)
            }
        }
        for _ in 0..<(g.chance(0.4) ? 0 : g.int(1...3)) {
            switch g.int(0...7) {
            case 0 where !segs.isEmpty: segs[g.int(0...segs.count - 1)] = segment(&g)
            case 1: segs.insert(segment(&g), at: g.int(0...segs.count))
            case 2 where !segs.isEmpty: segs.remove(at: g.int(0...segs.count - 1))
            case 3: segs.insert(contentsOf: Array(repeating: "..", count: g.int(1...8)), at: g.int(0...segs.count))
            case 4: segs.append(segment(&g))
            case 5 where !segs.isEmpty: segs[segs.count - 1] += g.pick(["/", "//", "?", "#", ";x", "%20", "\0", ".."])
            case 6: segs.insert("", at: g.int(0...segs.count))  // a double slash
            default: if !segs.isEmpty { segs[g.int(0...segs.count - 1)] = Gen.repeated(g.pick(["a", "é", "/", ".", "%"]), count: g.pick([256, 4096, 70_000])) }
            }
        }
        let p = "/" + segs.joined(separator: "/")
        return g.chance(0.03) ? String(p.dropFirst()) : p
    }

    static func segment(_ g: inout RNG) -> String {
        switch g.int(0...9) {
        case 0...3: return g.pick(junkSegments)
        case 4, 5: return g.pick(numbers)
        case 6: return randomString(&g, max: 40)
        case 7: return g.pick(FuzzFixture.cameraIDs) + g.pick(["", "/..", "%00", ".jpg", " "])
        case 8: return Gen.repeated(g.pick(["x", "..", "ü", "9"]), count: g.pick([1, 2, 3, 50, 255, 256, 257, 1000, 3000]))
        default: return g.pick(routes).replacingOccurrences(of: "/", with: g.pick(["", "%2F", "/"]))
        }
    }

    static func randomPath(_ g: inout RNG) -> String {
        let bytes = (0..<g.int(0...200)).map { _ in g.chance(0.15) ? UInt8(ascii: "/") : UInt8.random(in: 0...255, using: &g) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func randomString(_ g: inout RNG, max: Int) -> String {
        String(decoding: (0..<g.int(0...max)).map { _ in UInt8.random(in: 0...255, using: &g) }, as: UTF8.self)
    }

    /// A review item id that likely exists: the fixture offers 3 items per 1,000 runs.
    static func itemID(_ g: inout RNG, run: Int) -> String { String(g.int(1...(run / 1000 * 3 + 3))) }

    static func value(_ g: inout RNG, run: Int) -> String {
        switch g.int(0...11) {
        case 0...2: // an id list with junk
            let n = g.pick([1, 1, 2, 3, 5, 20, 999, 1000, 1001, 5000])
            let ids = (0..<n).map { _ in g.chance(0.93) ? itemID(&g, run: run) : (g.chance(0.5) ? g.pick(numbers) : g.pick(junkSegments)) }
            return ids.joined(separator: g.chance(0.9) ? "," : g.pick([", ", ";", "\n", ",,", " "]))
        case 3: return g.pick(numbers)
        case 4: return g.pick(junkSegments)
        case 5: return g.pick(FuzzFixture.cameraIDs + ["online", "offline", "degraded", "unsure", "1", "low-score", "random"])
        case 6: return (0..<g.int(1...80)).map { _ in g.pick(FuzzFixture.cameraIDs + ["ghost", ""]) }.joined(separator: "\n")
        case 7: return Gen.repeated(g.pick(["a", "ü", ",", "1,", "\n"]), count: g.pick([100, 5000, 100_000]))
        case 8: return labelValue(&g)
        default: return randomString(&g, max: 64)
        }
    }

    static func labelValue(_ g: inout RNG) -> String {
        switch g.int(0...9) {
        case 0...4: return g.pick(labelNames)
        case 5...7: return g.pick(junkLabels)
        case 8: return Gen.repeated("x", count: g.pick([63, 64, 65, 1000]))
        default: return randomString(&g, max: 24)
        }
    }

    static func verdict(_ g: inout RNG) -> String {
        g.chance(0.8) ? g.pick(["skip", "unsure"]) : g.pick(["", "SKIP", "labelled", "pending", "skip ", "maybe"] + junkSegments)
    }
}
