import CamsiftCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The models directory: trained bundles under `bundles/<name>/`, and two symlinks, `current` and
/// `previous`, that say which bundle serves and which one `camsift rollback` restores.
///
/// Promotion is atomic: the new bundle is fully written and fsynced under `bundles/` first, then a fresh
/// symlink is renamed over `current` (rename(2) is atomic), so a reader — the daemon at start-up or a crash
/// at any point — sees either the old or the new bundle, never a mix.
public struct BundleStore: Sendable {
    public let root: String
    /// Bundles kept on disk (current, previous and older ones); older ones are deleted after a promotion.
    public var keep: Int

    public init(root: String, keep: Int = 5) {
        self.root = root
        self.keep = keep
    }

    var bundlesDir: String { root + "/bundles" }

    /// Path of the serving bundle, or nil before the first promotion.
    public var current: String? { resolve("current") }
    public var previous: String? { resolve("previous") }

    private func resolve(_ link: String) -> String? {
        let p = root + "/" + link
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: p) else { return nil }
        let full = target.hasPrefix("/") ? target : root + "/" + target
        return FileManager.default.fileExists(atPath: full) ? full : nil
    }

    /// Moves `candidate` (a bundle directory or file written elsewhere on the same filesystem, or copied
    /// when it is not) under `bundles/`, then points `current` at it and `previous` at the old current.
    /// Returns the new bundle's path.
    @discardableResult
    public func promote(_ candidate: String, name: String? = nil) throws -> String {
        let fm = FileManager.default
        try fm.createDirectory(atPath: bundlesDir, withIntermediateDirectories: true)
        let bundleName = name ?? "bundle-" + Timestamp.rfc3339(Timestamp.now()).replacingOccurrences(of: ":", with: "")
        let dest = bundlesDir + "/" + bundleName
        guard !fm.fileExists(atPath: dest) else {
            throw PipelineError.model("bundle '\(dest)' already exists — promote under another name")
        }
        if rename(candidate, dest) != 0 {
            guard errno == EXDEV else { throw PipelineError.system("move \(candidate) to \(dest)", errno) }
            try fm.copyItem(atPath: candidate, toPath: dest)
        }
        try Self.fsyncTree(dest)
        try Self.fsyncDirectory(bundlesDir)
        let old = currentLinkTarget()
        try relink("current", to: "bundles/" + bundleName)
        if let old { try relink("previous", to: old) }
        prune()
        return dest
    }

    /// Swaps `current` and `previous`. Throws when there is nothing to roll back to.
    public func rollback() throws {
        guard let prev = linkTarget("previous"), previous != nil else {
            throw PipelineError.model("no previous bundle in \(root) — nothing to roll back to")
        }
        guard let cur = currentLinkTarget() else { throw PipelineError.model("no current bundle in \(root)") }
        try relink("current", to: prev)
        try relink("previous", to: cur)
    }

    private func currentLinkTarget() -> String? { linkTarget("current") }

    private func linkTarget(_ link: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + link)
    }

    /// Creates `link.tmp-PID` → target and renames it over `link`.
    private func relink(_ link: String, to target: String) throws {
        let tmp = root + "/" + link + ".tmp-\(getpid())"
        unlink(tmp)
        guard symlink(target, tmp) == 0 else { throw PipelineError.system("symlink \(tmp)", errno) }
        guard rename(tmp, root + "/" + link) == 0 else { throw PipelineError.system("rename \(tmp)", errno) }
        try Self.fsyncDirectory(root)
    }

    /// Deletes the oldest bundles (by name) beyond `keep`, never `current` or `previous`.
    private func prune() {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: bundlesDir) else { return }
        let protected = Set([currentLinkTarget(), linkTarget("previous")].compactMap { $0?.split(separator: "/").last.map(String.init) })
        // Default names are UTC timestamps, so name order is age order (mtimes can tie within a second).
        let newestFirst = names.sorted(by: >)
        for n in newestFirst.dropFirst(keep) where !protected.contains(n) {
            try? fm.removeItem(atPath: bundlesDir + "/" + n)
        }
    }

    static func fsyncDirectory(_ path: String) throws {
        do { try AtomicFile.syncDirectory(path) } catch { throw PipelineError(.io, "cannot sync '\(path)'", cause: error) }
    }

    /// fsyncs a file, or every file in a directory, so a promoted bundle is on disk before `current` moves.
    static func fsyncTree(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return }
        if isDir.boolValue {
            for n in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { try fsyncTree(path + "/" + n) }
            try fsyncDirectory(path)
        } else {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw PipelineError.system("open \(path)", errno) }
            _ = fsync(fd)
            close(fd)
        }
    }
}
