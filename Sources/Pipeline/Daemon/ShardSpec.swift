/// Which cameras one daemon of a sharded deployment runs: shard `index` of `count` (1-based), written `K/N`
/// in the config or `K-of-N` as a systemd instance name (`camsift@2-of-4.service`).
///
/// A camera belongs to shard `FNV-1a-64(id) mod N + 1`: stable across restarts and machines (no per-process
/// hash seed), and independent of registry order, so adding cameras never moves existing ones between shards
/// unless N changes.
public struct ShardSpec: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `K/N` or `K-of-N`; empty means "no sharding" (nil).
    public init?(parsing text: String) throws(PipelineError) {
        let t = text.trimmingCharacters(in: " ")
        if t.isEmpty { return nil }
        let parts: [Substring]
        if t.contains("/") {
            parts = t.split(separator: "/", omittingEmptySubsequences: false)
        } else {
            parts = t.components(separatedBy: "-of-")
        }
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else {
            throw PipelineError(.config, "shard '\(text)' must be K/N or K-of-N with 1 ≤ K ≤ N, e.g. 2/4 or 2-of-4")
        }
        self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    public func contains(_ id: String) -> Bool {
        count <= 1 || Int(Self.fnv1a(id) % UInt64(count)) + 1 == index
    }

    /// FNV-1a, 64-bit (Fowler–Noll–Vo; offset basis 14695981039346656037, prime 1099511628211).
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in s.utf8 {
            h ^= UInt64(b)
            h &*= 1_099_511_628_211
        }
        return h
    }
}

extension String {
    fileprivate func trimmingCharacters(in c: Character) -> String {
        String(drop(while: { $0 == c }).reversed().drop(while: { $0 == c }).reversed())
    }

    fileprivate func components(separatedBy sep: String) -> [Substring] {
        guard let r = range(of: sep) else { return [self[...]] }
        return [self[..<r.lowerBound], self[r.upperBound...]]
    }

    fileprivate func range(of sep: String) -> Range<String.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(sep) { return i..<index(i, offsetBy: sep.count) }
            i = index(after: i)
        }
        return nil
    }
}
