/// The one error type of the Labels module. Every message says what went wrong, names the file, label, id or
/// field involved, and says what to do about it: the console shows `description` to the operator verbatim, and
/// `camsift label` prints it, so nobody has to read the source to act on it.
public struct LabelsError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure, for callers that branch (the console maps these to HTTP statuses).
    public enum Kind: String, Sendable {
        /// A label name that cannot be a folder name (`createLabel`, `assign`, `relabel`).
        case badLabelName
        /// `createLabel` of a label that exists.
        case labelExists
        /// A label that has no folder in the archive.
        case unknownLabel
        /// A review item or labelled image id that is not in the index.
        case unknownItem
        /// A review item that is already labelled (assign it once; use relabel to change it).
        case alreadyLabelled
        /// A tag the console may not write (`setTags`: charset, length, count).
        case badTag
        /// `labels.csv` does not parse, so `setTags` will not rewrite it (it names the line to fix).
        case badTagsFile
        /// Another process holds the archive's label lock.
        case locked
        /// A file or directory operation failed.
        case io
        /// SQLite reported an error.
        case database
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
