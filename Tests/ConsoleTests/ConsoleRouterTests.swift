import CamsiftCore
import Foundation
import Labels
import Pipeline
import Synchronization
import Testing
import WebServer
@testable import Console

/// The console's routes in-process, on a real label store and review queue in a temporary archive.
final class ConsoleFixture: @unchecked Sendable {
    let dir: String
    let console: OperatorConsole
    let store: LabelStore
    let queue: ReviewQueue
    final class Counter: Sendable { let value = Atomic<Int>(0) }
    let retrains = Counter()

    init(policy: ReviewPolicy = { var p = ReviewPolicy(); p.scoreBelow = 1.01; p.perCameraPerHour = 1000; return p }()) throws {
        dir = NSTemporaryDirectory() + "camsift-console-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/archive", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/models", withIntermediateDirectories: true)
        store = try LabelStore(archive: dir + "/archive")
        queue = try ReviewQueue(archive: dir + "/archive", policy: policy, seed: 7)
        let counter = retrains
        let health = [CameraHealth(id: "street", kind: .stream, state: .online), CameraHealth(id: "tree", kind: .snapshot, state: .offline)]
        let context = ConsoleContext(
            health: { health },
            camera: { id in health.contains { $0.id == id } ? Camera(id: id, kind: .stream, url: "rtsp://u:p@10.0.0.9/x", interval: 1) : nil },
            retrain: { counter.value.add(1, ordering: .relaxed); return "retrain requested" },
            retrainStatus: { nil },
            rollback: { throw ConsoleError("no previous bundle") },
            servingModel: { "m-1" }, models: dir + "/models")
        console = OperatorConsole(store: store, queue: queue, context: context, csrfToken: "csrf")
    }

    deinit {
        queue.close()
        store.close()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Offers `n` frames of `camera` with distinct JPEG-looking bytes and waits for the queue's writer.
    func offer(_ n: Int, camera: String, t0: Double = Timestamp.now()) {
        for i in 0..<n {
            let jpeg: [UInt8] = [0xFF, 0xD8, UInt8(i & 0xFF), UInt8(camera.count), 0xFF, 0xD9]
            let frame = Frame(camera: camera, capturedAt: .now, capturedWall: t0 + Double(i), jpeg: jpeg,
                              pixels: DecodedFrame(width: 1, height: 1, rgb: [0, 0, 0]))
            let record = ClassificationRecord(ts: "", camera: camera, label: "pole", score: 0.3, model: "m-1", via: "single",
                                              top: [.init(label: "pole", score: 0.3)], latency_ms: 1)
            console.observer.observe(frame, record: record, roles: [:])
        }
        queue.flush()
    }

    func get(_ path: String, query: [String: String] = [:]) -> HTTPResponse {
        console.handler.respond(to: HTTPRequest(method: "GET", path: path, query: query))
    }

    func post(_ path: String, _ form: [String: String]) -> HTTPResponse {
        console.handler.respond(to: HTTPRequest(method: "POST", path: path, form: form))
    }

    func text(_ r: HTTPResponse) -> String { String(decoding: r.body, as: UTF8.self) }

    func json(_ r: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:]
    }
}

@Suite("Console routes", .serialized)
struct ConsoleRouterTests {
    @Test("pages answer; unknown paths are 404, other methods 405; nothing names a file")
    func routing() throws {
        let f = try ConsoleFixture()
        #expect(f.get("/").status == 303)
        for p in ["/cameras", "/cameras/street", "/review", "/dataset", "/models", "/static/console.js", "/static/console.css"] {
            #expect(f.get(p).status == 200, "\(p)")
        }
        for p in ["/nope", "/static/../../etc/passwd", "/static/x.js", "/review/../../etc/passwd.jpg", "/review/abc.jpg",
                  "/review/-1.jpg", "/cameras/street/../../etc/passwd", "/api/nothing", "/cameras/a/b/c/d"] {
            #expect([404].contains(f.get(p).status), "\(p)")
        }
        #expect(f.get("/cameras/../../../etc/passwd").status == 404)
        #expect(f.get("/cameras/street/latest.jpg").status == 404)  // no frame yet
        #expect(f.console.handler.respond(to: HTTPRequest(method: "DELETE", path: "/")).status == 405)
        #expect(f.get("/api/label").status == 405)
        let page = f.text(f.get("/cameras/street"))
        #expect(!page.contains("10.0.0.9") && !page.contains("u:p"))
    }

    @Test("the review flow: queued frames, new labels, bulk label, skip, undo; the archive holds the original bytes")
    func reviewFlow() throws {
        let f = try ConsoleFixture()
        f.offer(5, camera: "street")
        f.offer(3, camera: "tree")
        let review = f.text(f.get("/review"))
        #expect(review.components(separatedBy: "class=\"frame\"").count - 1 == 8)
        #expect(f.text(f.get("/review", query: ["camera": "tree"])).components(separatedBy: "class=\"frame\"").count - 1 == 3)

        #expect(f.post("/api/labels", ["name": "road"]).status == 200)
        #expect(f.post("/api/labels", ["name": "../etc"]).status == 400)
        #expect(f.text(f.get("/review")).contains("data-label=\"road\""))

        let items = f.queue.pending(offset: 0, limit: 100, camera: "street")
        #expect(items.count == 5)
        let ids = items.map { "\($0.id)" }.joined(separator: ",")
        let r = f.post("/api/label", ["ids": ids, "label": "road"])
        #expect(r.status == 200, "\(f.text(r))")
        #expect(f.json(r)["pending"] as? Int == 3)
        let files = try FileManager.default.subpathsOfDirectory(atPath: f.dir + "/archive/road").filter { $0.hasSuffix(".jpg") }
        #expect(files.count == 5)
        let bytes = try files.map { try Data(contentsOf: URL(fileURLWithPath: f.dir + "/archive/road/" + $0)) }
        #expect(bytes.allSatisfy { $0.first == 0xFF && $0.last == 0xD9 && $0.count == 6 })

        let tree = f.queue.pending(offset: 0, limit: 100, camera: "tree")
        #expect(f.post("/api/mark", ["ids": "\(tree[0].id)", "verdict": "skip"]).status == 200)
        #expect(f.queue.pendingCount() == 2)
        #expect(f.post("/api/undo", [:]).status == 200)
        #expect(f.queue.pendingCount() == 3)
        #expect(f.post("/api/undo", [:]).status == 200)  // the labelling
        #expect(f.queue.pendingCount() == 8)

        let jpeg = f.get("/review/\(tree[0].id).jpg")
        #expect(jpeg.status == 200 && jpeg.contentType == "image/jpeg" && jpeg.body.first == 0xFF)
        #expect(f.get("/review/999999.jpg").status == 404)
    }

    @Test("bad action parameters are 400 with what to send, never a crash")
    func badParameters() throws {
        let f = try ConsoleFixture()
        for form in [[:], ["ids": ""], ["ids": "1,x"], ["ids": "1;2"], ["ids": "-3", "label": "a"], ["ids": "1"]] {
            #expect(f.post("/api/label", form).status == 400, "\(form)")
        }
        #expect(f.post("/api/label", ["ids": Array(repeating: "1", count: 1001).joined(separator: ","), "label": "a"]).status == 413)
        #expect(f.post("/api/mark", ["ids": "1", "verdict": "maybe"]).status == 400)
        #expect(f.post("/api/labels", [:]).status == 400)
        #expect(f.post("/api/rollback", [:]).status == 409)
    }

    @Test("without a label store (another daemon holds the archive) the console serves cameras and says why labelling is off")
    func labellingOff() throws {
        let f = try ConsoleFixture()
        let second = OperatorConsole(labelling: nil, labellingProblem: "archive locked by pid 42",
                                     context: f.console.context, csrfToken: "csrf")
        let review = second.handler.respond(to: HTTPRequest(method: "GET", path: "/review"))
        #expect(review.status == 503 && String(decoding: review.body, as: UTF8.self).contains("archive locked by pid 42"))
        #expect(second.handler.respond(to: HTTPRequest(method: "GET", path: "/dataset")).status == 503)
        #expect(second.handler.respond(to: HTTPRequest(method: "POST", path: "/api/label", form: ["ids": "1", "label": "a"])).status == 503)
        #expect(second.handler.respond(to: HTTPRequest(method: "GET", path: "/cameras")).status == 200)
        #expect(second.handler.respond(to: HTTPRequest(method: "GET", path: "/review/1.jpg")).status == 404)
    }

    @Test("retrain posts the daemon's request; the camera grid's JSON lists only known cameras")
    func retrainAndGrid() throws {
        let f = try ConsoleFixture()
        #expect(f.post("/api/retrain", [:]).status == 200)
        #expect(f.retrains.value.load(ordering: .relaxed) == 1)
        #expect(f.get("/api/retrain").status == 200)
        f.offer(1, camera: "street")
        let r = f.json(f.get("/api/cameras", query: ["ids": "street\ntree\nghost"]))
        let cams = r["cameras"] as? [[String: Any]] ?? []
        #expect(cams.map { $0["id"] as? String } == ["street", "tree"])
        #expect(cams.first?["label"] as? String == "pole" && cams.first?["frame"] as? Bool == true)
        let latest = f.get("/cameras/street/latest.jpg")
        #expect(latest.status == 200 && latest.body.count == 6)
        // Versioned by capture time: the grid's URL carries the version; an unchanged frame revalidates as a 304.
        let version = try #require(cams.first?["frameVersion"] as? Int)
        let etag = try #require(latest.headers.first { $0.name == "ETag" }?.value)
        #expect(etag == "\"\(version)\"")
        #expect(f.text(f.get("/cameras")).contains("/cameras/street/latest.jpg?v=\(version)"))
        let again = f.console.handler.respond(to: HTTPRequest(method: "GET", path: "/cameras/street/latest.jpg",
                                                              headers: ["if-none-match": etag]))
        #expect(again.status == 304 && again.body.isEmpty)
        f.offer(1, camera: "street", t0: Timestamp.now() + 5)
        let changed = f.console.handler.respond(to: HTTPRequest(method: "GET", path: "/cameras/street/latest.jpg",
                                                                headers: ["if-none-match": etag]))
        #expect(changed.status == 200)
    }
}

@Suite("Console routes: numbers from requests")
struct ConsoleNumberTests {
    @Test("huge or negative page numbers land on a real page (the router fuzzer's overflow)")
    func hugePages() throws {
        let f = try ConsoleFixture()
        f.offer(3, camera: "street")
        for p in ["192153584101141164", "9223372036854775807", "-5", "0", "x"] {
            #expect(f.get("/review", query: ["page": p]).status == 200, "review page \(p)")
            #expect(f.get("/cameras", query: ["page": p]).status == 200, "cameras page \(p)")
        }
    }
}
