/// Where things live in a labelled archive. Everything camsift adds is under `ARCHIVE/.camsift/`, a dot
/// directory, so `camsift train` (which skips dot directories) never sees the index or the review JPEGs.
struct ArchiveLayout: Sendable {
    let archive: String

    init(archive: String) {
        var a = archive
        while a.count > 1 && a.hasSuffix("/") { a.removeLast() }
        self.archive = a
    }

    var meta: String { archive + "/.camsift" }
    var database: String { meta + "/labels.sqlite" }
    var lock: String { meta + "/labels.lock" }
    var review: String { meta + "/review" }

    func reviewJPEG(_ id: ReviewItemID) -> String { review + "/\(id.rawValue).jpg" }

    func absolute(_ relative: String) -> String { archive + "/" + relative }

    /// Whether a top-level directory name is a label: not hidden, not the frame archive's inbox.
    static func isLabel(_ name: String) -> Bool { !name.hasPrefix(".") && name != "unlabeled" }
}
