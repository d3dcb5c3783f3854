/// Static sharding: shard K of N runs exactly the cameras whose stable hash of `id` is K−1 modulo N, so N
/// boxes (systemd `camsift@K-of-N` or a Kubernetes StatefulSet ordinal) split one registry with no
/// coordination. The hash is FNV-1a 64 of the id's UTF-8 bytes: stable across processes, machines and
/// Swift versions (unlike `Hasher`, which is seeded per process).
public struct ShardSpec: Sendable, Equatable, CustomStringConvertible {
    /// 1-based shard index.
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws(ShardSpecError) {
        guard count >= 1, index >= 1, index <= count else {
            throw ShardSpecError(text: "\(index)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `K/N` or `K-of-N` (the systemd instance form).
    public init(parsing text: String) throws(ShardSpecError) {
        let parts: [Substring]
        if text.contains("/") {
            parts = text.split(separator: "/", omittingEmptySubsequences: false)
        } else {
            parts = text.split(separator: "-of-", omittingEmptySubsequences: false)
        }
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw ShardSpecError(text: text)
        }
        try self.init(index: k, count: n)
    }

    public static let all = try! ShardSpec(index: 1, count: 1)

    public func contains(cameraID id: String) -> Bool {
        count == 1 || Int(Self.stableHash(id) % UInt64(count)) == index - 1
    }

    public static func stableHash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        return h
    }

    public var description: String { "\(index)/\(count)" }
}

public struct ShardSpecError: Error, CustomStringConvertible {
    public var text: String
    public var description: String {
        "shard '\(text)' is not valid — write K/N or K-of-N with 1 ≤ K ≤ N, e.g. '2/4' or '2-of-4'"
    }
}
