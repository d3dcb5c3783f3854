import CamsiftCore
import Foundation
import Labels
import Testing
import WebServer
@testable import Console

/// Multi-tag labelling through the router (issue 19): `POST /api/tags` on a real label store writes
/// `ARCHIVE/labels.csv` — the file `camsift train --tags` reads — and keeps what a person wrote there.
@Suite("Console routes: tags", .serialized)
struct ConsoleTagsTests {
    func labelsCSV(_ f: ConsoleFixture) -> String {
        (try? String(contentsOfFile: f.dir + "/archive/labels.csv", encoding: .utf8)) ?? ""
    }

    @Test("set, toggle and clear tags on review frames; labels.csv keeps hand-written lines; copies hold the frame")
    func tagFlow() throws {
        let f = try ConsoleFixture()
        f.offer(3, camera: "street")
        f.offer(1, camera: "tree")
        try "path,tags\n# written by hand\nimg/a.jpg, day \n".write(toFile: f.dir + "/archive/labels.csv", atomically: true, encoding: .utf8)
        let street = f.queue.pending(offset: 0, limit: 10, camera: "street")
        let (a, b) = (street[0].id, street[1].id)

        let r = f.post("/api/tags", ["ids": "\(a),\(b)", "tags": "snow; night;snow"])
        #expect(r.status == 200, "\(f.text(r))")
        #expect(f.queue.pendingCount() == 4, "tagged frames stay in the queue")
        let file = try TagLabels.parse(labelsCSV(f))
        #expect(labelsCSV(f).hasPrefix("path,tags\n# written by hand\nimg/a.jpg, day \n"), "hand-written lines kept as typed")
        #expect(file.rows.count == 3 && file.knownTags == ["day", "night", "snow"])
        let tagged = file.rows.filter { $0.path.hasPrefix(".camsift/tagged/") }
        #expect(tagged.map(\.tags) == [["night", "snow"], ["night", "snow"]])
        // The frame archive's shape under the review id: <id>/<camera>/<day>/<time>.jpg, so training reads the
        // camera and the capture time; the copy holds the review frame's bytes.
        let parts = tagged[0].path.split(separator: "/").map(String.init)
        #expect(parts.count == 6 && parts[3] == "street" && parts[4].count == 10 && parts[5].hasSuffix("Z.jpg"))
        #expect(Timestamp.parseRFC3339(String(parts[5].dropLast(4))) != nil)
        let copy = try Data(contentsOf: URL(fileURLWithPath: f.dir + "/archive/" + tagged[0].path))
        #expect(copy.first == 0xFF && copy.last == 0xD9 && copy.count == 6)

        // The page offers every known tag (hand-written ones too) and shows each frame's tags.
        let page = f.text(f.get("/review"))
        for t in ["day", "night", "snow"] { #expect(page.contains("class=\"tag-box\" value=\"\(t)\""), "\(t)") }
        #expect(page.contains("data-tags=\"night;snow\">night, snow</span>"))

        // Toggle: `a` keeps only snow; clear `b`: its row and its copy go.
        #expect(f.post("/api/tags", ["ids": "\(a)", "tags": "snow"]).status == 200)
        #expect(f.post("/api/tags", ["ids": "\(b)", "tags": ""]).status == 200)
        let after = try TagLabels.parse(labelsCSV(f))
        #expect(after.rows.map(\.tags) == [["day"], ["snow"]])
        #expect(!FileManager.default.fileExists(atPath: f.dir + "/archive/" + tagged[1].path))
        #expect(LabelStore.reviewTags(in: after) == [a: ["snow"]])
    }

    @Test("hostile tags and ids are 400 and change nothing; GET is 405; a broken labels.csv is shown, not overwritten")
    func hostile() throws {
        let f = try ConsoleFixture()
        f.offer(2, camera: "street")
        let id = f.queue.pending(offset: 0, limit: 10)[0].id
        #expect(f.post("/api/tags", ["ids": "\(id)", "tags": "ok"]).status == 200)
        let before = labelsCSV(f)
        let long = String(repeating: "x", count: TagLabels.maxTagLength + 1)
        let many = (0...TagLabels.maxTagsPerImage).map { "t\($0)" }.joined(separator: ";")
        for form in [["ids": "\(id)"], ["ids": "\(id)", "tags": "a,b"], ["ids": "\(id)", "tags": "../x"],
                     ["ids": "\(id)", "tags": "x\ny"], ["ids": "\(id)", "tags": long], ["ids": "\(id)", "tags": many],
                     ["ids": "\(id)", "tags": "<script>"], ["ids": "\(id)", "tags": " .hidden"],
                     ["ids": "\(id)", "tags": String(repeating: "a;", count: 10_000)],
                     ["ids": "999999", "tags": "ok"], ["ids": "\(id),999999", "tags": "fine"], ["ids": "../1", "tags": "ok"],
                     ["tags": "ok"]] {
            #expect(f.post("/api/tags", form).status == 400, "\(form.mapValues { $0.prefix(40) })")
        }
        #expect(labelsCSV(f) == before, "a refused request writes nothing")
        #expect(f.get("/api/tags").status == 405)
        let tagged = try FileManager.default.subpathsOfDirectory(atPath: f.dir + "/archive/.camsift/tagged").filter { $0.hasSuffix(".jpg") }
        #expect(tagged.count == 1, "no copy for a refused request: \(tagged)")

        try (before + "no comma here\n").write(toFile: f.dir + "/archive/labels.csv", atomically: true, encoding: .utf8)
        let r = f.post("/api/tags", ["ids": "\(id)", "tags": "other"])
        #expect(r.status == 400 && f.text(r).contains("line 3"), "\(f.text(r))")
        #expect(labelsCSV(f) == before + "no comma here\n")
        #expect(f.text(f.get("/review")).contains("id=\"tags-problem\""))
        // A single-label manifest (camsift train's path,label) is never turned into a tags file.
        try "path,label\nroad/a.jpg,road\n".write(toFile: f.dir + "/archive/labels.csv", atomically: true, encoding: .utf8)
        #expect(f.post("/api/tags", ["ids": "\(id)", "tags": "other"]).status == 400)
        #expect(labelsCSV(f) == "path,label\nroad/a.jpg,road\n")
    }
}
