import Foundation
import Testing
@testable import Labels

@Suite("label store")
struct LabelStoreTests {
    @Test("createLabel accepts plain names, refuses bad ones with the fix, creates the folder")
    func createLabel() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let store = try LabelStore(archive: a.path)
        defer { store.close() }
        for good in ["car", "delivery van", "Person_2", "bike-rack", "Straße"] {
            try store.createLabel(good)
            #expect(a.exists(good))
        }
        #expect(store.labels().map(\.name) == ["Person_2", "Straße", "bike-rack", "car", "delivery van"])
        let bad: [(String, String)] = [
            ("", "empty"), ("unlabeled", "inbox"), (".hidden", "starts with '.'"), ("a/b", "contains '/'"),
            (String(repeating: "x", count: 65), "longer than 64"), ("car!", "contains '!'"), (" car", "space"),
        ]
        for (name, why) in bad {
            #expect {
                try store.createLabel(name)
            } throws: { e in
                let e = e as! LabelsError
                return e.kind == .badLabelName && e.message.contains(why)
                    && (e.message.contains("use 1–64") || e.message.contains("pick another") || e.message.contains("remove"))
            }
        }
        #expect(throws: LabelsError.self) { try store.createLabel("car") }
        #expect(!a.exists("a"))
    }

    @Test("bulk assign: original bytes in <label>/<camera>/, index rows, review rows labelled, out of the queue")
    func assign() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let ids = try seedReview(a, count: 5)
        let store = try LabelStore(archive: a.path)
        defer { store.close() }
        try store.createLabel("car")
        let action = try store.assign([ids[0], ids[2], ids[4]], to: "car")
        #expect(action.kind == .assign && action.items == [ids[0], ids[2], ids[4]] && action.label == "car")
        for (k, i) in [0, 2, 4].enumerated() {
            let path = action.paths[k]
            #expect(path.hasPrefix("car/cam-\(i % 3)/") && path.hasSuffix("-\(ids[i].rawValue).jpg"), "\(path)")
            #expect(a.read(path) == fakeJPEG(i))
        }
        #expect(a.labelledFiles() == Set(action.paths))
        let images = try store.images(label: "car")
        #expect(Set(images.map(\.path)) == Set(action.paths))
        #expect(Set(images.compactMap(\.reviewID)) == [ids[0], ids[2], ids[4]])
        #expect(store.labels() == [LabelSummary(name: "car", count: 3, createdAt: store.labels()[0].createdAt)])
        let q = try ReviewQueue(archive: a.path, policy: openPolicy(), seed: 1)
        defer { q.close() }
        #expect(Set(q.pending(offset: 0, limit: 10).map(\.id)) == [ids[1], ids[3]])
        #expect(q.item(ids[0])?.status == .labelled)
        // Assigning again is refused, naming the file; unknown ids too; nothing changes.
        #expect { try store.assign([ids[1], ids[0]], to: "car") } throws: { e in
            (e as! LabelsError).kind == .alreadyLabelled && "\(e)".contains(action.paths[0])
        }
        #expect { try store.assign([ReviewItemID(999)], to: "car") } throws: { e in
            (e as! LabelsError).kind == .unknownItem
        }
        #expect { try store.assign([ids[1]], to: "bus") } throws: { e in (e as! LabelsError).kind == .unknownLabel }
        #expect(q.pendingCount() == 2 && a.labelledFiles().count == 3)
    }

    @Test("mark skip/unsure, undo of mark and of assign")
    func markAndUndo() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let ids = try seedReview(a, count: 4)
        let store = try LabelStore(archive: a.path)
        defer { store.close() }
        let q = try ReviewQueue(archive: a.path, policy: openPolicy(), seed: 1)
        defer { q.close() }
        try store.createLabel("person")
        try store.mark([ids[0]], as: .skip)
        try store.mark([ids[1]], as: .unsure)
        #expect(Set(q.pending(offset: 0, limit: 10).map(\.id)) == [ids[2], ids[3]])
        #expect(Set(q.pending(offset: 0, limit: 10, includeUnsure: true).map(\.id)) == [ids[1], ids[2], ids[3]])
        #expect(q.item(ids[0])?.status == .skipped)
        // An unsure item can still be assigned; undo returns it to unsure, not pending.
        let action = try store.assign([ids[1], ids[2]], to: "person")
        #expect(a.labelledFiles().count == 2)
        #expect(try store.undo() == action)
        #expect(a.labelledFiles().isEmpty)
        #expect(try store.images().isEmpty)
        #expect(q.item(ids[1])?.status == .unsure && q.item(ids[2])?.status == .pending)
        #expect(q.jpeg(ids[2]) == fakeJPEG(2))  // reviewable again
        #expect(try store.undo()?.kind == .unsure)
        #expect(q.item(ids[1])?.status == .pending)
        #expect(try store.undo()?.kind == .skip)
        #expect(q.pendingCount() == 4)
        #expect(try store.undo() == nil)
    }

    @Test("the undo stack is bounded; review JPEGs of assigns beyond it are deleted")
    func undoBound() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let ids = try seedReview(a, count: 5)
        let store = try LabelStore(archive: a.path, undoLimit: 2)
        defer { store.close() }
        try store.createLabel("car")
        for id in ids.prefix(4) { _ = try store.assign([id], to: "car") }
        #expect(!a.exists(".camsift/review/\(ids[0].rawValue).jpg"))
        #expect(!a.exists(".camsift/review/\(ids[1].rawValue).jpg"))
        #expect(a.exists(".camsift/review/\(ids[3].rawValue).jpg"))
        #expect(try store.undo()?.items == [ids[3]])
        #expect(try store.undo()?.items == [ids[2]])
        #expect(try store.undo() == nil)
        #expect(a.labelledFiles().count == 2)
    }

    @Test("stats: counts, per camera, P/N ratios, usable; training history round trip")
    func stats() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let ids = try seedReview(a, count: 9)  // cameras cam-0, cam-1, cam-2 in turn
        let store = try LabelStore(archive: a.path)
        defer { store.close() }
        try store.createLabel("car")
        try store.createLabel("person")
        try store.createLabel("empty")
        _ = try store.assign(Array(ids[0..<6]), to: "car")
        _ = try store.assign(Array(ids[6..<9]), to: "person")
        let s = try store.stats(minimumPerLabel: 4)
        #expect(s.total == 9 && s.minimumPerLabel == 4)
        #expect(s.labels.map(\.name) == ["car", "empty", "person"])
        let car = s.labels[0], empty = s.labels[1], person = s.labels[2]
        #expect(car.count == 6 && car.perCamera == ["cam-0": 2, "cam-1": 2, "cam-2": 2])
        #expect(car.positiveNegativeRatio == 2.0 && person.positiveNegativeRatio == 0.5)
        #expect(empty.count == 0 && empty.positiveNegativeRatio == 0)
        #expect(car.usable && !person.usable && !empty.usable && !s.usable)
        #expect(try store.stats(minimumPerLabel: 0).usable)
        #expect(try store.stats().labels.allSatisfy { !$0.usable })

        #expect(store.trainingHistory().isEmpty)
        try store.recordTraining(model: "b1", at: 100, perClassF1: ["car": 0.5, "person": 0.25], counts: ["car": 6, "person": 3])
        try store.recordTraining(model: "b2", at: 200, perClassF1: ["car": 0.75], counts: ["car": 12])
        #expect(store.trainingHistory() == [
            TrainingPoint(model: "b1", at: 100, perClassF1: ["car": 0.5, "person": 0.25], counts: ["car": 6, "person": 3]),
            TrainingPoint(model: "b2", at: 200, perClassF1: ["car": 0.75], counts: ["car": 12]),
        ])
    }

    @Test("reconciliation: a JPEG dropped in by hand is indexed on reopen, a deleted one is dropped; dot, unlabeled and temp files are not labels")
    func reconcile() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let ids = try seedReview(a, count: 2)
        var store = try LabelStore(archive: a.path)
        try store.createLabel("car")
        let action = try store.assign(ids, to: "car")
        store.close()
        a.write("car/by-hand.jpg", fakeJPEG(100))
        a.write("bus/cam-9/x.JPEG", fakeJPEG(101))
        a.write("bus/notes.txt", Array("hi".utf8))
        a.write("unlabeled/cam-1/2027-01-01/f.jpg", fakeJPEG(102))
        a.write(".trash/f.jpg", fakeJPEG(103))
        a.write("car/cam-0/y.jpg.tmp-4242", fakeJPEG(104))
        try FileManager.default.removeItem(atPath: a.file(action.paths[0]))
        store = try LabelStore(archive: a.path)
        defer { store.close() }
        let paths = Set(try store.images(limit: 100).map(\.path))
        #expect(paths == ["car/by-hand.jpg", "bus/cam-9/x.JPEG", action.paths[1]])
        #expect(paths == a.labelledFiles())
        #expect(!a.exists("car/cam-0/y.jpg.tmp-4242"))
        #expect(store.labels().map(\.name) == ["bus", "car"])
        #expect(try store.image(path: "bus/cam-9/x.JPEG")?.camera == "cam-9")
        #expect(try store.image(path: "car/by-hand.jpg")?.camera == "unknown")
        // Relabel and remove keep index == folders.
        let hand = try store.image(path: "car/by-hand.jpg")!
        let moved = try store.relabel(hand.id, to: "bus")
        #expect(moved.path == "bus/by-hand.jpg" && a.exists("bus/by-hand.jpg") && !a.exists("car/by-hand.jpg"))
        try store.remove(try store.image(path: "bus/cam-9/x.JPEG")!.id)
        #expect(Set(try store.images(limit: 100).map(\.path)) == a.labelledFiles())
        #expect(a.labelledFiles().count == 2)
    }

    @Test("one store per archive: a second open is refused until the first closes")
    func lock() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let s1 = try LabelStore(archive: a.path)
        #expect { try LabelStore(archive: a.path) } throws: { e in
            (e as! LabelsError).kind == .locked && "\(e)".contains("another camsift process")
        }
        s1.close()
        let s2 = try LabelStore(archive: a.path)
        s2.close()
    }
}
