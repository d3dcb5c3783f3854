/// Why a frame was queued for review. A set: one frame can be low-scoring *and* a disagreement.
public struct ReviewReason: OptionSet, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The top score is below `ReviewPolicy.scoreBelow`.
    public static let lowScore = ReviewReason(rawValue: 1)
    /// M0 and M1 disagree on the top label.
    public static let disagreement = ReviewReason(rawValue: 2)
    /// The label differs from the camera's usual label over its recent frames.
    public static let labelChange = ReviewReason(rawValue: 4)
    /// Drawn at random (`ReviewPolicy.randomRate`), so the queue also holds easy, typical frames.
    public static let random = ReviewReason(rawValue: 8)
    /// A label suggested by propagation from the labels a person gave (`camsift propagate`, issue 21): the item's
    /// label is the suggestion, pre-filled for the operator to confirm.
    public static let suggested = ReviewReason(rawValue: 16)

    public static let all: [(name: String, reason: ReviewReason)] = [
        ("lowScore", .lowScore), ("disagreement", .disagreement), ("labelChange", .labelChange), ("random", .random),
        ("suggested", .suggested),
    ]

    /// The names of the reasons in the set, for the console and the CLI.
    public var names: [String] { Self.all.filter { contains($0.reason) }.map(\.name) }

    /// The reason named `name` (`lowScore`, `disagreement`, `labelChange`, `random`, `suggested`).
    public init?(name: String) {
        guard let r = Self.all.first(where: { $0.name == name }) else { return nil }
        self = r.reason
    }

    public var description: String { names.joined(separator: ",") }
}

/// Where a review item stands.
public enum ReviewStatus: Int, Sendable, Codable, CaseIterable {
    /// Waiting for the operator.
    case pending = 0
    /// Assigned to a label: its JPEG is in the label folder.
    case labelled = 1
    /// Not useful; kept out of training.
    case skipped = 2
    /// The operator could not tell; kept out of training but still reviewable (`includeUnsure`).
    case unsure = 3
}

/// The operator's verdict on items that are not assigned a label.
public enum ReviewVerdict: String, Sendable, Codable {
    case skip, unsure

    var status: ReviewStatus { self == .skip ? .skipped : .unsure }
}

/// One (label, score) pair of a frame's top-k.
public struct ReviewScore: Sendable, Codable, Equatable {
    public var label: String
    public var score: Double
    public init(label: String, score: Double) {
        self.label = label
        self.score = score
    }
}
