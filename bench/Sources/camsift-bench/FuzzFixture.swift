#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CamsiftCore
import Console
import Foundation
import Labels
import WebServer

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
