import CamsiftCore
import Foundation
import Labels

/// `camsift label`: the labelled archive from a shell — list labels and the review queue, assign review items
/// to a label, undo. The console does the same through the same `LabelStore`; this exists for scripts and for
/// the crash test (it is killed mid-assign and the archive must come back consistent).
enum LabelCommand: CamsiftCommand {
    static let name = "label"
    static let abstract = "list labels, assign review items to a label, undo"
    static let options: [OptionSpec] = [
        .value("archive", "DIR", "the labelled archive (ARCHIVE/<label>/…, index in ARCHIVE/.camsift/)", required: true),
        .flag("list", "print each label with its image count, and the number of pending review items"),
        .value("ids", "ID,ID,...", "review item ids to assign (with --as)"),
        .value("as", "LABEL", "the label to assign --ids to; created when it does not exist"),
        .flag("undo", "revert the last assign or skip/unsure mark"),
    ]

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard a.positionals.isEmpty else { throw UsageError("unexpected argument '\(a.positionals[0])'") }
        guard let archive = a.value("archive") else { throw UsageError("--archive DIR is required") }
        let modes = [a.flag("list"), a.value("ids") != nil || a.value("as") != nil, a.flag("undo")].filter { $0 }.count
        guard modes == 1 else { throw UsageError("give exactly one of --list, --ids … --as LABEL, --undo") }
        var ids: [ReviewItemID] = []
        if let list = a.value("ids") {
            for part in list.split(separator: ",") {
                guard let n = Int64(part.trimmingCharacters(in: .whitespaces)), n > 0 else {
                    throw UsageError("--ids: '\(part)' is not a review item id (positive integers, comma-separated)")
                }
                ids.append(ReviewItemID(n))
            }
            guard !ids.isEmpty else { throw UsageError("--ids is empty") }
            guard a.value("as") != nil else { throw UsageError("--ids needs --as LABEL") }
        } else if a.value("as") != nil {
            throw UsageError("--as needs --ids ID,ID,...")
        }
        do {
            Console.out(try perform(archive: archive, list: a.flag("list"), undo: a.flag("undo"), ids: ids,
                                    label: a.value("as")))
        } catch {
            Console.error("camsift label: \(error)")
            switch error.kind {
            case .badLabelName, .unknownItem, .alreadyLabelled, .unknownLabel, .labelExists, .badTag, .badTagsFile:
                return ExitStatus.dataError
            case .locked: return ExitStatus.unavailable
            case .io, .database: return ExitStatus.failure
            }
        }
        return ExitStatus.ok
    }

    /// Runs one mode; returns what to print.
    static func perform(archive: String, list: Bool, undo: Bool, ids: [ReviewItemID], label: String?)
        throws(LabelsError) -> String
    {
        let store = try LabelStore(archive: archive)
        defer { store.close() }
        if list {
            var out = ""
            for l in store.labels() { out += "\(l.name)\t\(l.count)\n" }
            return out + "pending review items: \(try store.pendingReviewCount())\n"
        }
        if undo {
            guard let action = try store.undo() else { return "nothing to undo\n" }
            return "undid \(action.kind.rawValue)\(action.label.map { " to '\($0)'" } ?? "") of \(action.items.count) item(s)\n"
        }
        guard let label else { return "" }
        if !store.labels().contains(where: { $0.name == label }) { try store.createLabel(label) }
        let action = try store.assign(ids, to: label)
        return "labelled \(action.items.count) item(s) as '\(label)' (action \(action.id))\n"
    }
}
