import CamsiftCore
import Foundation

/// Dataset statistics, training history, and edits of single labelled images.
extension LabelStore {
    /// Per label: count, per-camera counts, the one-vs-all positives/negatives ratio and whether the label has
    /// at least `minimumPerLabel` images (20 by default: below that a class's reference F1 is mostly noise).
    public func stats(minimumPerLabel: Int = 20) throws(LabelsError) -> DatasetStats {
        let rows = try withDatabase { db throws(LabelsError) in
            (try db.query("SELECT name FROM labels ORDER BY name").map { $0.text(0) },
             try db.query("SELECT label, camera, COUNT(*) FROM images GROUP BY label, camera")
                .map { ($0.text(0), $0.text(1), Int($0.int(2))) })
        }
        var perLabel: [String: [String: Int]] = [:]
        for (label, camera, n) in rows.1 { perLabel[label, default: [:]][camera] = n }
        let total = rows.1.reduce(0) { $0 + $1.2 }
        let labels = rows.0.map { name -> DatasetStats.Label in
            let cams = perLabel[name] ?? [:]
            let n = cams.values.reduce(0, +)
            return DatasetStats.Label(name: name, count: n, perCamera: cams,
                                      positiveNegativeRatio: total > n ? Double(n) / Double(total - n) : nil,
                                      usable: n >= minimumPerLabel)
        }
        return DatasetStats(labels: labels, total: total, minimumPerLabel: minimumPerLabel,
                            usable: labels.count >= 2 && labels.allSatisfy(\.usable))
    }

    /// Appends one training run to the history.
    public func recordTraining(model: String, at: Double, perClassF1: [String: Double], counts: [String: Int])
        throws(LabelsError)
    {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let f1 = String(decoding: (try? enc.encode(perClassF1)) ?? Data("{}".utf8), as: UTF8.self)
        let n = String(decoding: (try? enc.encode(counts)) ?? Data("{}".utf8), as: UTF8.self)
        try withDatabase { db throws(LabelsError) in
            try db.run("INSERT INTO training(model, at, f1, counts) VALUES (?, ?, ?, ?)",
                       [.text(model), .double(at), .text(f1), .text(n)])
        }
    }

    /// Every recorded training run, oldest first. Empty (and logged) if the index cannot be read.
    public func trainingHistory() -> [TrainingPoint] {
        do {
            let rows = try withDatabase { db throws(LabelsError) in
                try db.query("SELECT model, at, f1, counts FROM training ORDER BY at, id")
            }
            let dec = JSONDecoder()
            return rows.map { r in
                TrainingPoint(model: r.text(0), at: r.double(1),
                              perClassF1: (try? dec.decode([String: Double].self, from: Data(r.text(2).utf8))) ?? [:],
                              counts: (try? dec.decode([String: Int].self, from: Data(r.text(3).utf8))) ?? [:])
            }
        } catch {
            OperationalLog.warning("labels", "\(error)")
            return []
        }
    }

    /// Moves a labelled image to another label's folder (same camera folder and file name). A rename, then the
    /// row: a crash between leaves the file in its new folder, which reconciliation indexes. Not undoable.
    @discardableResult
    public func relabel(_ id: LabelledImageID, to label: String) throws(LabelsError) -> LabelledImage {
        try requireLabel(label)
        return try withDatabase { db throws(LabelsError) in
            let image = try lookup(db, id)
            let rest = image.path[image.path.index(after: image.path.firstIndex(of: "/")!)...]
            let newPath = label + "/" + rest
            guard newPath != image.path else { return image }
            guard !ArchiveFiles.exists(layout.absolute(newPath)) else {
                throw LabelsError(.io, "cannot relabel image \(id): '\(layout.absolute(newPath))' already exists; "
                    + "remove one of the two first")
            }
            let target = layout.absolute(newPath)
            let dir = String(target[..<target.lastIndex(of: "/")!])
            try ArchiveFiles.makeDirectories(dir)
            guard rename(layout.absolute(image.path), target) == 0 else {
                throw ArchiveFiles.ioError("move to '\(target)'", layout.absolute(image.path))
            }
            try ArchiveFiles.syncDirectory(dir)
            try db.transaction { () throws(LabelsError) in
                try db.run("UPDATE images SET path = ?, label = ?, camera = ? WHERE id = ?",
                           [.text(newPath), .text(label), .text(Self.camera(ofPath: newPath)), .int(id.rawValue)])
                // The image no longer belongs to the assign that wrote it: undoing that must not delete it.
                try db.run("DELETE FROM action_items WHERE path = ?", [.text(image.path)])
            }
            var moved = image
            moved.path = newPath
            moved.label = label
            return moved
        }
    }

    /// Deletes a labelled image (file, then row; a crash between is repaired by reconciliation). Not undoable.
    public func remove(_ id: LabelledImageID) throws(LabelsError) {
        try withDatabase { db throws(LabelsError) in
            let image = try lookup(db, id)
            try ArchiveFiles.remove(layout.absolute(image.path))
            try db.transaction { () throws(LabelsError) in
                try db.run("DELETE FROM images WHERE id = ?", [.int(id.rawValue)])
                try db.run("DELETE FROM action_items WHERE path = ?", [.text(image.path)])
            }
        }
    }

    /// The labelled image at an archive-relative path (`<label>/…/x.jpg`), for callers that have a path.
    public func image(path: String) throws(LabelsError) -> LabelledImage? {
        try withDatabase { db throws(LabelsError) in
            try db.query("SELECT id, path, label, camera, review_id, added_at FROM images WHERE path = ?",
                         [.text(path)]).first.map(Self.image)
        }
    }

    private func lookup(_ db: SQLiteDatabase, _ id: LabelledImageID) throws(LabelsError) -> LabelledImage {
        guard let r = try db.query("SELECT id, path, label, camera, review_id, added_at FROM images WHERE id = ?",
                                   [.int(id.rawValue)]).first else {
            throw LabelsError(.unknownItem, "labelled image \(id) is not in the index; reload the label's images")
        }
        return Self.image(r)
    }
}
