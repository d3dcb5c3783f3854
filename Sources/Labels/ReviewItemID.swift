/// A review item's id: the row id in the index and the name of its JPEG (`.camsift/review/<id>.jpg`). Requests
/// name items only by this number, never by a path, so no request can reach a file outside the queue.
public struct ReviewItemID: RawRepresentable, Hashable, Comparable, Sendable, Codable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ v: Int64) { rawValue = v }
    public init(integerLiteral v: Int64) { rawValue = v }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// A labelled image's id (its row in the index), for `relabel` and `remove`.
public struct LabelledImageID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}
