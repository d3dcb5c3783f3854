import Testing
@testable import NN

@Suite struct TensorTests {
    @Test func viewsShareStorageWithoutCopying() {
        let t = Tensor(shape: [2, 3, 2, 2], values: (0..<24).map(Float.init))
        let second = t.batch(1..<2)
        #expect(second.shape == Shape(n: 1, c: 3, h: 2, w: 2))
        #expect(second[0, 0, 0, 0] == 12)
        second[0, 0, 0, 0] = -1
        #expect(t[1, 0, 0, 0] == -1)
        let flat = t.reshaped(Shape(rows: 2, columns: 12))
        #expect(flat[1, 0] == -1)
        #expect(flat.storage === t.storage)
        #expect(t.strides == [12, 4, 2, 1])
    }

    @Test func cacheReusesStorageWhenShapeRepeatsOrShrinks() {
        var cache = TensorCache()
        let a = cache.tensor(Shape(n: 4, c: 2, h: 3, w: 3))
        let b = cache.tensor(Shape(n: 4, c: 2, h: 3, w: 3))
        let c = cache.tensor(Shape(n: 2, c: 2, h: 3, w: 3))
        #expect(a.storage === b.storage)
        #expect(a.storage === c.storage)
        let d = cache.tensor(Shape(n: 8, c: 2, h: 3, w: 3))
        #expect(d.storage !== a.storage)
    }

    @Test func copyIsDeep() {
        let t = Tensor(shape: [3], values: [1, 2, 3])
        let c = t.copy()
        c[0] = 9
        #expect(t[0] == 1)
        #expect(c.array == [9, 2, 3])
    }
}
