import CamsiftCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `MODELS/history.jsonl`: one JSON line per retrain — when, why, both scores, the verdict, and the candidate's
/// per-class F1 on the held-out split with the labelled images per class it was trained from. The console's
/// Models page shows it as the promotion history, and its Dataset page as "enough data?": how each class's F1
/// moved as labels were added.
///
/// Each line is written with one `write(2)` on an `O_APPEND` descriptor and fsynced, so concurrent writers never
/// interleave and a crash leaves at most one torn last line, which `read` skips.
public struct PromotionHistory: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var ts: String
        public var reason: String
        /// `promoted`, `kept` or `failed`.
        public var outcome: String
        public var candidateF1: Double?
        public var currentF1: Double?
        public var bundle: String?
        public var seconds: Double
        public var classes: [String]
        public var perClassF1: [Double]
        /// Labelled archive images per class (same order as `classes`).
        public var images: [Int]
        public var message: String

        public init(ts: String, reason: String, outcome: String, candidateF1: Double?, currentF1: Double?,
                    bundle: String?, seconds: Double, classes: [String], perClassF1: [Double], images: [Int],
                    message: String) {
            self.ts = ts
            self.reason = reason
            self.outcome = outcome
            self.candidateF1 = candidateF1
            self.currentF1 = currentF1
            self.bundle = bundle
            self.seconds = seconds
            self.classes = classes
            self.perClassF1 = perClassF1
            self.images = images
            self.message = message
        }
    }

    public let path: String

    public init(models: String) { path = models + "/history.jsonl" }

    public func append(_ e: Entry) throws(PipelineError) {
        var line: [UInt8]
        do { line = try JSONWriter.encode(e) } catch { throw PipelineError(.io, "cannot encode a history entry: \(error)") }
        line.append(0x0A)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .errno(.io, "cannot open '\(path)' — check the models directory's permissions") }
        defer { close(fd) }
        let n = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == line.count else { throw .errno(.io, "cannot append to '\(path)' — is the disk full?") }
        fsync(fd)
    }

    /// The last `limit` entries, oldest first; unreadable lines (a torn last line after a crash) are skipped.
    public func read(limit: Int = 200) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        var out: [Entry] = []
        for line in data.split(separator: 0x0A) {
            if let e = try? decoder.decode(Entry.self, from: Data(line)) { out.append(e) }
        }
        return Array(out.suffix(limit))
    }
}
