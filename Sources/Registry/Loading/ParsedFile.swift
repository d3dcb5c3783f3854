#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore

/// One registry file as parsed, with the stat stamp it was parsed at: the unit of the reload cache.
struct ParsedFile: Sendable {
    /// `nil` when the file could not be read (never reused from the cache).
    var stamp: FileStamp?
    var cameras: [Camera]
    var problems: [RegistryProblem]
    var hasErrors: Bool
    /// The file changed so close to the time it was read that a same-size rewrite within the file system's
    /// timestamp granularity would keep the stamp; such entries are re-parsed once more (git's "racy git"
    /// rule) instead of being trusted.
    var racy: Bool
    /// The bytes parsed. When the stamp changed (or is racy) but the bytes did not (`touch`, `cp -p` of the
    /// same content, an editor saving without changes), the parse is reused: a registry's text is small
    /// (~200 bytes a camera) next to what a needless restart of its cameras costs.
    var bytes: [UInt8]

    func reusable(for stamp: FileStamp?) -> Bool {
        guard let stamp, let mine = self.stamp else { return false }
        return !racy && mine == stamp
    }
}

/// What identifies one version of a file without reading it: device, inode, size, mtime and ctime.
/// An atomic replace (temp + rename) changes the inode; an in-place edit changes mtime/ctime.
struct FileStamp: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var mtimeSeconds: Int
    var mtimeNanoseconds: Int
    var ctimeSeconds: Int
    var ctimeNanoseconds: Int

    init(_ s: stat) {
        device = UInt64(s.st_dev)
        inode = UInt64(s.st_ino)
        size = Int64(s.st_size)
        mtimeSeconds = s.st_mtim.tv_sec
        mtimeNanoseconds = s.st_mtim.tv_nsec
        ctimeSeconds = s.st_ctim.tv_sec
        ctimeNanoseconds = s.st_ctim.tv_nsec
    }

    /// Seconds since the epoch of the later of mtime and ctime.
    var changedAt: Double {
        max(Double(mtimeSeconds) + Double(mtimeNanoseconds) / 1e9, Double(ctimeSeconds) + Double(ctimeNanoseconds) / 1e9)
    }
}
