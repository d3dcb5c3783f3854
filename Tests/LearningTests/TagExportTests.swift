import CamsiftCore
import Foundation
import Learning
import Serving
import Testing

/// The served tags model: the LP-SVM's one-vs-one functions exported as affine maps (no libsvm at serving time)
/// must give libsvm's own predictions, survive the model file, and be refused when inconsistent.
@Suite("tags model export")
struct TagExportTests {
    /// Three tags, four combinations, 12 features of which the model keeps 9; clusters around per-combination means.
    static func data(seed: UInt64) -> (rows: [[Double]], sets: [Set<Int>]) {
        var rng = SeededGenerator(seed: seed)
        let combos: [Set<Int>] = [[0], [0, 1], [2], [1, 2]]
        var rows: [[Double]] = [], sets: [Set<Int>] = []
        for i in 0..<160 {
            let c = i % combos.count
            rows.append((0..<12).map { j in Double(((c * 7 + j * 3) % 5)) + (rng.unit() - 0.5) * 3 })
            sets.append(combos[c])
        }
        return (rows, sets)
    }

    @Test("exported pairwise functions reproduce libsvm's class and vote shares on unseen rows; the file round-trips")
    func exportMatchesLibsvm() throws {
        let train = Self.data(seed: 1), test = Self.data(seed: 2)
        let keep = [0, 1, 2, 4, 5, 7, 8, 10, 11]
        let model = try LabelPowersetSVM(rows: train.rows, labelSets: train.sets, labelCount: 3,
                                         weighting: .concepts(.mean, exponent: 0.5), features: keep)
        let served = model.servedModel(tagNames: ["a", "b", "c"], featureCount: 12, backbone: "bb")
        #expect(served.pairCount == 6 && served.features == keep)
        let path = NSTemporaryDirectory() + "camsift-tags-\(getpid()).csm"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try served.write(path: path)
        let loaded = try TagClassifier(path: path)
        #expect(loaded.backbone == "bb" && loaded.tagNames == ["a", "b", "c"] && loaded.combinations == served.combinations)
        var agree = 0
        for row in test.rows {
            let (cls, scores) = model.scores(row)
            let expected = model.powerset.labels(of: cls)
            let got = row.map(Float.init).withUnsafeBufferPointer { loaded.tags($0) }
            if Set(got.map { ["a", "b", "c"].firstIndex(of: $0.tag)! }) == expected { agree += 1 }
            for t in got {
                let j = ["a", "b", "c"].firstIndex(of: t.tag)!
                #expect(abs(t.score - scores[j]) < 1e-3, "vote share of \(t.tag): \(t.score) vs libsvm \(scores[j])")
            }
        }
        // Float32 weights can flip a decision value within ~1e-6 of 0: allow one row in 160.
        #expect(agree >= test.rows.count - 1, "\(agree) of \(test.rows.count) rows agree with libsvm")
    }

    @Test("labels.csv: multi-tag rows, errors naming the line; archive paths give camera and time")
    func labelsCSV() throws {
        let root = NSTemporaryDirectory() + "camsift-tagcsv-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "path,tags\nunlabeled/gate/2026-12-07/2026-12-07T10-00-00.000Z.jpg, snow ;night\nimg/b.jpg,day\n"
            .write(toFile: root + "/labels.csv", atomically: true, encoding: .utf8)
        let rows = try TagTraining.readLabels(root)
        #expect(rows.map(\.path) == ["unlabeled/gate/2026-12-07/2026-12-07T10-00-00.000Z.jpg", "img/b.jpg"])
        #expect(rows.map(\.tags) == [["night", "snow"], ["day"]])
        let ct = try #require(TagTraining.cameraAndTime(rows[0].path))
        #expect(ct.camera == "gate" && ct.wall == Timestamp.parseRFC3339("2026-12-07T10:00:00Z"))
        #expect(TagTraining.cameraAndTime("img/b.jpg") == nil)
        // The console's tagged copies (`LabelStore.setTags`) keep the frame archive's shape under the review id.
        let tagged = try #require(TagTraining.cameraAndTime(".camsift/tagged/12/street/2026-12-07/2026-12-07T10-00-00.000Z.jpg"))
        #expect(tagged.camera == "street" && tagged.wall == ct.wall)
        #expect(TagTraining.context("img/b.jpg", cameras: [:]).allSatisfy { $0 == 0 }, "no camera, no time: missing")
        try "../etc/passwd,x\n".write(toFile: root + "/labels.csv", atomically: true, encoding: .utf8)
        #expect { _ = try TagTraining.readLabels(root) } throws: { "\($0)".contains("labels.csv:1") }
    }
}
