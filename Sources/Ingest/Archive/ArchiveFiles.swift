import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif

/// The archive's filesystem primitives in POSIX calls (no Foundation in the daemon's hot path).
enum ArchiveFiles {
    struct FileError: Error, CustomStringConvertible {
        var description: String
    }

    struct Entry {
        var path: String
        var size: Int
        var mtime: Double
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o755) != 0 && errno != EEXIST {
                throw FileError(description: "cannot create archive directory '\(built)': \(errnoText()); check the archive path and its permissions")
            }
        }
    }

    /// `AtomicFile` without the directory fsync (one per archived frame, at fleet rates): readers see no torn file.
    static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
        do {
            try AtomicFile.write(bytes, to: path, syncDirectory: false)
        } catch {
            throw FileError(description: "\(error); the archive disk may be full")
        }
    }

    /// Every regular `*.jpg` file below `root` (recursive).
    static func list(_ root: String) -> [Entry] {
        var out: [Entry] = []
        walk(root) { path, st in
            if path.hasSuffix(".jpg") {
                out.append(Entry(path: path, size: Int(st.st_size),
                                 mtime: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9))
            }
        }
        return out
    }

    /// Removes empty directories below (not including) `root`, deepest first.
    static func removeEmptyDirectories(_ root: String) {
        var dirs: [String] = []
        walk(root, directories: { dirs.append($0) }) { _, _ in }
        for d in dirs.sorted(by: { $0.count > $1.count }) { rmdir(d) }   // fails harmlessly when not empty
    }

    private static func walk(_ dir: String, directories: ((String) -> Void)? = nil, _ file: (String, stat) -> Void) {
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            let path = dir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFDIR {
                directories?(path)
                walk(path, directories: directories, file)
            } else if st.st_mode & S_IFMT == S_IFREG {
                file(path, st)
            }
        }
    }
}
