import CamsiftCore
import Foundation
import Testing
@testable import Registry

/// Long random sequences of registry edits (seeded, so a failure reproduces), checking after every reload the
/// invariants the daemon relies on. Same-size rewrites within milliseconds are frequent on purpose: they are
/// what a stat-stamp cache gets wrong.
@Suite struct ReloadSequenceTests {
    /// SplitMix64: small, seedable, good enough to pick edits.
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    enum Content {
        case valid([String: Double])  // id -> interval
        case invalid
    }

    @Test(arguments: Array(1...12) as [UInt64])
    func randomEdits(seed: UInt64) throws {
        var rng = Rng(state: seed)
        let dir = TestDirectory("sequence")
        let slots = (0..<6).map { "f\($0).json" }
        let pool = ["a", "b", "c", "d", "e", "f", "g", "h"]
        var written: [String: Content] = [:]
        var previous: RegistrySnapshot?
        for step in 0..<120 {
            let slot = slots.randomElement(using: &rng)!
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...3:  // one camera; single-digit intervals keep the file size constant
                let id = pool.randomElement(using: &rng)!
                let interval = Double(Int.random(in: 1...9, using: &rng))
                dir.write(slot, TestDirectory.camera(id, interval: interval))
                written[slot] = .valid([id: interval])
            case 4...5:  // aggregator of two
                let ids = Array(pool.shuffled(using: &rng).prefix(2))
                let interval = Double(Int.random(in: 1...9, using: &rng))
                dir.writeAtomically(slot, """
                    {"aggregator": "g", "kind": "snapshot", "urlTemplate": "http://127.0.0.1/{id}.jpg", "interval": \(Int(interval)),
                     "cameras": [{"id": "\(ids[0])"}, {"id": "\(ids[1])"}]}
                    """)
                written[slot] = .valid([ids[0]: interval, ids[1]: interval])
            case 6...7:  // broken: bad value or cut-off JSON
                if Bool.random(using: &rng) {
                    dir.write(slot, TestDirectory.camera(pool.randomElement(using: &rng)!, interval: 0))
                } else {
                    dir.write(slot, "{\"id\": \"x\", \"kind\": ")
                }
                written[slot] = .invalid
            default:
                dir.remove(slot)
                written[slot] = nil
            }
            let next = RegistryLoader.load(directory: dir.path, previous: previous)
            try check(step: step, dir: dir, written: written, previous: previous, next: next)
            previous = next
        }
    }

    private func check(step: Int, dir: TestDirectory, written: [String: Content], previous: RegistrySnapshot?,
                       next: RegistrySnapshot) throws {
        let ctx = Comment(rawValue: "step \(step)")
        // The cache never changes the result: the same load without it agrees exactly.
        var uncached = previous
        uncached?.cache = [:]
        let reference = RegistryLoader.load(directory: dir.path, previous: uncached)
        #expect(reference.cameras == next.cameras, ctx)
        #expect(reference.files == next.files, ctx)
        #expect(reference.problems == next.problems, ctx)

        // Every camera comes from exactly one file.
        var owner: [String: String] = [:]
        for (file, ids) in next.files {
            for id in ids {
                #expect(owner[id] == nil, "\(id) listed by \(owner[id] ?? "") and \(file); \(ctx)")
                owner[id] = file
            }
        }
        #expect(Set(owner.keys) == Set(next.cameras.keys), ctx)

        // Which valid files collide on an id with another valid file.
        var claims: [String: [String]] = [:]
        for (slot, content) in written {
            if case .valid(let ids) = content { for id in ids.keys { claims[id, default: []].append(slot) } }
        }
        for (slot, content) in written {
            let path = dir.file(slot)
            switch content {
            case .invalid:
                // Skipped: it keeps (a subset of) what it had, with the old definitions.
                #expect(next.errors.contains { $0.file == path }, ctx)
                let kept = next.files[path] ?? []
                #expect(Set(kept).isSubset(of: Set(previous?.files[path] ?? [])), ctx)
                for id in kept { #expect(next.cameras[id] == previous?.cameras[id], ctx) }
            case .valid(let ids):
                let contested = ids.keys.contains { (claims[$0]?.count ?? 0) > 1 }
                if !contested {
                    #expect(Set(next.files[path] ?? []) == Set(ids.keys), ctx)
                    for (id, interval) in ids { #expect(next.cameras[id]?.interval == interval, ctx) }
                    #expect(!next.errors.contains { $0.file == path }, ctx)
                } else if let mine = next.files[path], !next.errors.contains(where: { $0.file == path }) {
                    // It won every contested id: those cameras are its own.
                    #expect(Set(mine) == Set(ids.keys), ctx)
                } else {
                    // It lost one: the message names the file that has the id.
                    let p = next.errors.first { $0.file == path && $0.message.hasPrefix("is also defined in ") }
                    #expect(p != nil, ctx)
                    if let p, let id = p.camera {
                        #expect(p.message == "is also defined in \(owner[id] ?? "?")", ctx)
                    }
                }
            }
        }
        // Files that are gone hold nothing.
        for path in next.files.keys { #expect(written[String(path.split(separator: "/").last!)] != nil, ctx) }

        // The diff's "unchanged" are exactly the equal definitions.
        if let previous {
            let d = RegistryDiff.between(previous.cameras, next.cameras)
            for id in d.unchanged { #expect(previous.cameras[id] == next.cameras[id], ctx) }
            for c in d.changed { #expect(previous.cameras[c.id] != nil && previous.cameras[c.id] != c, ctx) }
            #expect(d.added.count + d.changed.count + d.unchanged.count == next.cameras.count, ctx)
        }
    }
}
