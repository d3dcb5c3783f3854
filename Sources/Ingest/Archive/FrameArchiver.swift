import CamsiftCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Saves sampled frames as JPEG files under `root/unlabeled/<camera>/<YYYY-MM-DD>/<timestamp>.jpg`, for users
/// to label later by moving them into `root/<label>/`. HTTP cameras' frames are stored as their original bytes
/// (no re-encode); stream cameras have none, so their source sends a full-resolution encode, and only after
/// `isDue` said the rate limit lets it through (encoding costs far more than the check). Per-camera rate limit (`minInterval` seconds) and a total size/age retention that only
/// ever deletes from `unlabeled/` (labelled frames are the user's work).
///
/// Writes are atomic (temp file in the same directory, fsync, rename), so a crash never leaves a torn JPEG
/// that a later retraining would choke on. Failures (disk full, permissions) are logged and return nil: an
/// archive problem never stops a camera.
public final class FrameArchiver: Sendable {
    public let root: String
    public let minInterval: Double
    /// Total bytes kept under `unlabeled/`; 0 = unlimited.
    public let maxBytes: Int
    /// Oldest age kept, days; 0 = unlimited.
    public let maxAgeDays: Double

    private struct State {
        var lastArchived: [String: Double] = [:]
        var bytesSinceScan = 0
        var lastScan: Double = 0
        var knownBytes = 0
    }
    private let state = Mutex(State())

    public init(root: String, minInterval: Double, maxBytes: Int, maxAgeDays: Double) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.minInterval = minInterval
        self.maxBytes = maxBytes
        self.maxAgeDays = maxAgeDays
    }

    public var unlabeledRoot: String { root + "/unlabeled" }

    /// Whether `archive` would keep a frame of `camera` captured at `capturedWall` by the rate limit (no side
    /// effects): sources that must encode a JPEG first ask this so they never encode a frame that is dropped.
    public func isDue(camera: String, capturedWall: Double) -> Bool {
        state.withLock { Self.due(last: $0.lastArchived[camera], capturedWall, minInterval) }
    }

    /// Due when nothing was archived yet, `minInterval` has passed, or the clock went backwards (start afresh).
    private static func due(last: Double?, _ capturedWall: Double, _ minInterval: Double) -> Bool {
        guard let last else { return true }
        return capturedWall - last >= minInterval || capturedWall < last
    }

    /// Archives `jpeg` unless this camera archived less than `minInterval` seconds ago (by capture time).
    /// Returns the path written, or nil (rate-limited, bad camera id, or a write error that was logged).
    public func archive(camera: String, jpeg: [UInt8], capturedWall: Double) -> String? {
        if let problem = CameraID.problem(camera) {
            OperationalLog.warning("archive", "not archiving: camera id \(problem)", camera: camera)
            return nil
        }
        let due = state.withLock { s -> Bool in
            guard Self.due(last: s.lastArchived[camera], capturedWall, minInterval) else { return false }
            s.lastArchived[camera] = capturedWall
            return true
        }
        guard due else { return nil }
        let dir = "\(unlabeledRoot)/\(camera)/\(Timestamp.day(capturedWall))"
        // RFC 3339 without ':' (not allowed on every filesystem users copy archives to).
        let name = String(Timestamp.rfc3339(capturedWall).map { $0 == ":" ? "-" : $0 }) + ".jpg"
        let path = dir + "/" + name
        do {
            try ArchiveFiles.makeDirectories(dir)
            try ArchiveFiles.writeAtomically(path, jpeg)
        } catch {
            state.withLock { $0.lastArchived[camera] = nil }
            OperationalLog.warning("archive", "\(error)", camera: camera)
            return nil
        }
        let scan = state.withLock { s -> Bool in
            s.bytesSinceScan += jpeg.count
            s.knownBytes += jpeg.count
            let overSize = maxBytes > 0 && s.knownBytes > maxBytes
            let stale = maxAgeDays > 0 && Timestamp.now() - s.lastScan > 3600
            return overSize || stale
        }
        if scan { enforceRetention() }
        return path
    }

    /// Deletes archived frames under `unlabeled/` older than `maxAgeDays`, then the oldest ones until the
    /// total is at most `maxBytes`, and removes directories left empty. Ordered by file mtime.
    public func enforceRetention() {
        var files = ArchiveFiles.list(unlabeledRoot)
        let now = Timestamp.now()
        var total = files.reduce(0) { $0 + $1.size }
        files.sort { $0.mtime < $1.mtime }
        var removed = 0
        for f in files {
            let tooOld = maxAgeDays > 0 && now - f.mtime > maxAgeDays * 86_400
            let tooBig = maxBytes > 0 && total > maxBytes
            guard tooOld || tooBig else { break }   // sorted oldest first: the rest is younger and fits
            if unlink(f.path) == 0 {
                total -= f.size
                removed += 1
            }
        }
        if removed > 0 { ArchiveFiles.removeEmptyDirectories(unlabeledRoot) }
        state.withLock {
            $0.knownBytes = total
            $0.bytesSinceScan = 0
            $0.lastScan = now
        }
    }
}
