/// One operator action on the review queue, as recorded in the journal and the undo stack.
public struct LabelAction: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case assign, skip, unsure
    }

    public var id: Int64
    public var kind: Kind
    /// The label assigned (`assign` only).
    public var label: String?
    public var items: [ReviewItemID]
    /// Archive-relative paths of the files written (`assign` only), in the order of `items`.
    public var paths: [String]
    public var at: Double
}

/// A label as the console lists it.
public struct LabelSummary: Sendable, Codable, Equatable {
    public var name: String
    /// Images in the label folder (per the index, which is reconciled with the folders on open).
    public var count: Int
    /// When camsift first saw the folder (created through `createLabel`, or found on an open).
    public var createdAt: Double
}

/// One labelled image in the index.
public struct LabelledImage: Sendable, Codable, Equatable {
    public var id: LabelledImageID
    /// Archive-relative path, `<label>/<camera>/<file>.jpg` for images labelled through camsift.
    public var path: String
    public var label: String
    public var camera: String
    /// The review item it came from, if any.
    public var reviewID: ReviewItemID?
    public var addedAt: Double
}
