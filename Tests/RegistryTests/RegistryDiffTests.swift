import CamsiftCore
import Testing
@testable import Registry

@Suite struct RegistryDiffTests {
    func cam(_ id: String, interval: Double = 10, tags: [String] = []) -> Camera {
        Camera(id: id, kind: .snapshot, url: "http://127.0.0.1/\(id).jpg", interval: interval, tags: tags)
    }

    @Test func classifiesEveryCamera() {
        let old = ["a": cam("a"), "b": cam("b"), "c": cam("c"), "d": cam("d")]
        let new = ["a": cam("a"), "b": cam("b", interval: 5), "d": cam("d", tags: ["x"]), "e": cam("e")]
        let d = RegistryDiff.between(old, new)
        #expect(d.added == [cam("e")])
        #expect(d.removed == ["c"])
        #expect(d.changed == [cam("b", interval: 5), cam("d", tags: ["x"])])
        #expect(d.unchanged == ["a"])
        #expect(!d.isEmpty)
        #expect(d.description == "+1 -1 ~2 =1")
    }

    @Test func identicalIsEmpty() {
        let m = Dictionary(uniqueKeysWithValues: (0..<100).map { ("c\($0)", cam("c\($0)")) })
        let d = RegistryDiff.between(m, m)
        #expect(d.isEmpty)
        #expect(d.unchanged.count == 100)
        #expect(d.unchanged == d.unchanged.sorted())
    }

    @Test func fromAndToNothing() {
        let m = ["a": cam("a")]
        #expect(RegistryDiff.between([:], m).added == [cam("a")])
        #expect(RegistryDiff.between(m, [:]).removed == ["a"])
    }

    /// Every field takes part in "changed": a changed field must restart the camera.
    @Test func anyFieldChangeIsAChange() {
        let base = cam("a")
        var variants: [Camera] = []
        var v = base; v.kind = .mjpeg; variants.append(v)
        v = base; v.url += "?x=1"; variants.append(v)
        v = base; v.auth = .init(user: "u", passwordFile: "/p"); variants.append(v)
        v = base; v.headers = ["A": "b"]; variants.append(v)
        v = base; v.timeout = 3; variants.append(v)
        v = base; v.location = .init(name: "n"); variants.append(v)
        v = base; v.enabled = false; variants.append(v)
        v = base; v.aggregator = "agg"; variants.append(v)
        for x in variants {
            #expect(RegistryDiff.between(["a": base], ["a": x]).changed == [x])
        }
    }
}
