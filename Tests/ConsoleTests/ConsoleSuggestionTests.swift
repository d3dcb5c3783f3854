import CamsiftCore
import Foundation
import Labels
import Pipeline
import Synchronization
import Testing
import WebServer
@testable import Console

/// Label suggestions on the review page (issue 21): queued by `camsift propagate`, shown pre-filled with their score
/// and iteration and a confirm button that assigns exactly the suggested label; "Suggest labels" starts a run through
/// the daemon's closure and answers at once.
@Suite("Console: label suggestions", .serialized)
struct ConsoleSuggestionTests {
    static func suggest(_ f: ConsoleFixture, _ n: Int, label: String) throws -> ReviewQueue.SuggestionOutcome {
        try f.queue.suggest((0..<n).map { i in
            ReviewCandidate(camera: "street", capturedWall: Timestamp.now() - Double(i), jpeg: [0xFF, 0xD8, UInt8(i), 0x51, 0xFF, 0xD9],
                            label: label, score: 0.875, top: [ReviewScore(label: label, score: 0.875), ReviewScore(label: "tree", score: 0.125)],
                            model: "propagation", suggestion: ReviewSuggestion(origin: "/archive/unlabeled/street/\(label)-\(i).jpg", iteration: 2))
        }, limit: 100)
    }

    @Test("suggested frames render pre-filled; confirming assigns the suggested label; the filter lists them")
    func prefilledAndConfirmed() throws {
        let f = try ConsoleFixture()
        _ = try f.store.createLabel("road")
        _ = try f.store.createLabel("tree")
        f.offer(2, camera: "tree")
        #expect(try Self.suggest(f, 3, label: "road").added == 3)
        let page = f.text(f.get("/review"))
        #expect(page.components(separatedBy: "class=\"frame suggested\"").count - 1 == 3)
        #expect(page.components(separatedBy: "class=\"frame\"").count - 1 == 2)
        #expect(page.contains("data-suggested=\"road\"") && page.contains("suggested: road") && page.contains("0.88"))
        #expect(page.contains("suggested at iteration 2") && page.contains("class=\"confirm-btn\""))
        #expect(page.contains("confirm road"))
        let filtered = f.text(f.get("/review", query: ["reason": "suggested"]))
        #expect(filtered.components(separatedBy: "class=\"frame suggested\"").count - 1 == 3 && !filtered.contains("class=\"frame\""))
        #expect(filtered.contains("<option value=\"suggested\" selected>"))

        // The confirm button posts the tile's own id and suggested label to /api/label, like a label button.
        let item = f.queue.pending(offset: 0, limit: 10, reason: .suggested)[0]
        #expect(page.contains("data-id=\"\(item.id)\" data-label=\"road\""))
        let r = f.post("/api/label", ["ids": "\(item.id)", "label": "road"])
        #expect(r.status == 200, "\(f.text(r))")
        #expect(f.json(r)["pending"] as? Int == 4)
        let filed = try FileManager.default.subpathsOfDirectory(atPath: f.dir + "/archive/road").filter { $0.hasSuffix(".jpg") }
        #expect(filed.count == 1)
        #expect(FileManager.default.contents(atPath: f.dir + "/archive/road/" + filed[0]).map { [UInt8]($0) } == f.queue.jpeg(item.id))
        #expect(f.store.labels().first { $0.name == "road" }?.count == 1)
    }

    @Test("Suggest labels: POST /api/propagate runs the daemon's closure; the page shows the button and status")
    func propagateButton() throws {
        let f = try ConsoleFixture()
        // Without a propagator (tests, shards without a console) the reply says so and the page has no button.
        #expect(f.json(f.post("/api/propagate", [:]))["message"] as? String == "label propagation is not available in this daemon")
        #expect(!f.text(f.get("/review")).contains("id=\"propagate\""))

        // A real coordinator, as the daemon's `Propagator` has: the job runs on its thread, not the request's.
        final class Box: Sendable { let calls = Atomic<Int>(0) }
        let box = Box()
        let coordinator = RetrainCoordinator { _ in
            box.calls.add(1, ordering: .relaxed)
            return "frames: 10 labelled, 24 unlabelled"
        }
        var context = f.console.context
        context.propagate = { _ = coordinator.request(reason: "console"); return "label propagation started" }
        context.propagateStatus = { coordinator.status }
        let console = OperatorConsole(store: f.store, queue: f.queue, context: context, csrfToken: "csrf")
        let r = console.handler.respond(to: HTTPRequest(method: "POST", path: "/api/propagate", form: [:]))
        #expect(r.status == 200)
        #expect(coordinator.waitUntilIdle(timeout: 30) && box.calls.load(ordering: .relaxed) == 1)
        #expect(String(decoding: r.body, as: UTF8.self).contains("label propagation started"))
        let page = String(decoding: console.handler.respond(to: HTTPRequest(method: "GET", path: "/review")).body, as: UTF8.self)
        #expect(page.contains("id=\"propagate\"") && page.contains("last run: frames: 10 labelled, 24 unlabelled"))
        let status = console.handler.respond(to: HTTPRequest(method: "GET", path: "/api/propagate"))
        #expect(String(decoding: status.body, as: UTF8.self).contains("\"runs\":1"))
    }
}
