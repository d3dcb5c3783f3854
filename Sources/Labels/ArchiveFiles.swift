#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation

/// The file operations the store needs, each turning errno into a `LabelsError` that names the path.
enum ArchiveFiles {
    static func ioError(_ doing: String, _ path: String, _ e: Int32 = errno) -> LabelsError {
        LabelsError(.io, "cannot \(doing) '\(path)': \(String(cString: strerror(e))) (errno \(e)); "
            + "check the archive is mounted, writable and has free space")
    }

    /// `AtomicFile.write`, with its failure as a `LabelsError`.
    static func write(_ bytes: [UInt8], to path: String, syncDirectory: Bool) throws(LabelsError) {
        do { try AtomicFile.write(bytes, to: path, syncDirectory: syncDirectory) } catch {
            throw LabelsError(.io, error.description)
        }
    }

    /// `AtomicFile.syncDirectory`, with its failure as a `LabelsError`.
    static func syncDirectory(_ dir: String) throws(LabelsError) {
        do { try AtomicFile.syncDirectory(dir) } catch { throw LabelsError(.io, error.description) }
    }

    static func makeDirectories(_ path: String) throws(LabelsError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw LabelsError(.io, "cannot create directory '\(path)': \(error); check the archive is writable")
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    /// Removes a file; a file already gone is not an error (every caller may be re-running after a crash).
    static func remove(_ path: String) throws(LabelsError) {
        if unlink(path) != 0 && errno != ENOENT { throw ioError("remove", path) }
    }

    /// Directory entries (names only), unsorted; empty when the directory cannot be read.
    static func entries(_ dir: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    }

    /// `AtomicFile` writes `NAME.tmp-PID` first; one left behind by a crash ends in `.tmp-<digits>`.
    static func isTemporary(_ name: String) -> Bool {
        guard let r = name.range(of: ".tmp-", options: .backwards) else { return false }
        let tail = name[r.upperBound...]
        return !tail.isEmpty && tail.allSatisfy(\.isASCII) && tail.allSatisfy(\.isNumber)
    }

    /// What `camsift train` counts as an image, decided exactly as `LabeledArchive.scan` does (the path
    /// extension, lowercased, is `jpg` or `jpeg`), so the index counts the same files training reads. A
    /// leftover `x.jpg.tmp-123` has the extension `tmp-123` and is not an image.
    static func isImage(_ rel: String) -> Bool {
        let ext = (rel as NSString).pathExtension.lowercased()
        return ext == "jpg" || ext == "jpeg"
    }

    /// Every file under `dir`, recursively, as paths relative to `dir` (the same enumeration training uses,
    /// hidden files included); temporary files are returned too so the caller can sweep them.
    static func walk(_ dir: String) -> [String] {
        var out: [String] = []
        guard let e = FileManager.default.enumerator(atPath: dir) else { return out }
        while let rel = e.nextObject() as? String {
            if let type = e.fileAttributes?[.type] as? FileAttributeType, type == .typeDirectory { continue }
            out.append(rel)
        }
        return out
    }
}
