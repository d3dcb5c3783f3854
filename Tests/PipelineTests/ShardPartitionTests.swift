import Testing
@testable import Pipeline
import Serving

@Suite struct ShardPartitionTests {
    @Test(arguments: [2, 3, 7])
    func everyCameraInExactlyOneShard(n: Int) {
        let ids = (0..<5000).map { "cam-\($0)" }
        let shards = (1...n).map { ShardSpec(index: $0, count: n) }
        var sizes = [Int](repeating: 0, count: n)
        for id in ids {
            let owners = shards.filter { $0.contains(id) }
            #expect(owners.count == 1)
            sizes[owners[0].index - 1] += 1
        }
        // Balanced within ±15% of the fair share.
        let fair = Double(ids.count) / Double(n)
        #expect(sizes.allSatisfy { abs(Double($0) - fair) < fair * 0.15 })
    }

    @Test func hashIsStableAcrossProcesses() {
        // FNV-1a 64 reference values (computed independently with the published offset basis and prime):
        // any change to the hash would silently move cameras between boxes.
        #expect(ShardSpec.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(ShardSpec.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(ShardSpec.fnv1a("foobar") == 0x8594_4171_f739_67e8)
    }
}
