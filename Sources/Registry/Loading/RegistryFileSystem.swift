#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore

/// The few system calls the loader needs, straight to libc: at 10,000 files, Foundation's `FileManager`
/// and `Data(contentsOf:)` overheads show up in the reload time.
enum RegistryFileSystem {
    /// Registry files larger than this are refused (a 10,000-camera aggregator is about 1 MB).
    static let maxFileBytes = 64 << 20

    enum Entry {
        case directory
        case file(FileStamp)
        case missing
        /// A symbolic link whose target does not exist.
        case dangling
        case other(String)
        case failed(String)
    }

    static func errnoText(_ e: Int32) -> String { String(cString: strerror(e)) }

    static func stat(_ path: String) -> Entry {
        stat(path, relativeTo: AT_FDCWD)
    }

    /// `stat` of `path` relative to the open directory `dirFD`: a reload stats every file, and resolving
    /// only the last component saves the repeated walk of the directory's path.
    static func stat(_ path: String, relativeTo dirFD: Int32) -> Entry {
        var st = Glibc.stat()
        if fstatat(dirFD, path, &st, 0) != 0 {
            let e = errno
            guard e == ENOENT else { return .failed(errnoText(e)) }
            return fstatat(dirFD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? .dangling : .missing
        }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file(FileStamp(st))
        default: return .other("is not a regular file")
        }
    }

    /// Names in `directory` that look like registry files (see `isRegistryFileName`), sorted.
    static func listRegistryFiles(in directory: String) -> Result<[String], RegistryError> {
        guard let dir = opendir(directory) else {
            let e = errno
            return .failure(RegistryError(code: e == ENOENT ? .notFound : .io,
                                          message: "cannot read directory: \(errnoText(e))", path: directory))
        }
        defer { closedir(dir) }
        return .success(registryFileNames(dir))
    }

    /// Lists `directory` and calls `body` with the registry file names and a descriptor of the directory
    /// for `stat(_:relativeTo:)`.
    static func withRegistryFiles<T>(in directory: String, _ body: ([String], Int32) -> T) -> Result<T, RegistryError> {
        guard let dir = opendir(directory) else {
            let e = errno
            return .failure(RegistryError(code: e == ENOENT ? .notFound : .io,
                                          message: "cannot read directory: \(errnoText(e))", path: directory))
        }
        defer { closedir(dir) }
        return .success(body(registryFileNames(dir), dirfd(dir)))
    }

    private static func registryFileNames(_ dir: OpaquePointer) -> [String] {
        var names: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafePointer(to: &ent.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if isRegistryFileName(name) { names.append(name) }
        }
        names.sort()
        return names
    }

    /// `*.json`, skipping dotfiles (editor swap files, `.#` locks, rsync temps) and names ending in `~`.
    static func isRegistryFileName(_ name: String) -> Bool {
        name.hasSuffix(".json") && name.count > 5 && !name.hasPrefix(".") && !name.hasPrefix("#")
    }

    /// Reads the whole file; the stamp comes from the open descriptor so it matches the bytes read.
    /// `name` relative to `dirFD` is opened when given (`path` is then only for messages).
    static func read(_ path: String, name: String? = nil, in dirFD: Int32 = AT_FDCWD) -> Result<([UInt8], FileStamp), RegistryError> {
        // O_NONBLOCK: a FIFO that replaced the file between stat and open must not hang the reload.
        let fd = openat(dirFD, name ?? path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let e = errno
            return .failure(RegistryError(code: e == ENOENT ? .notFound : .io, message: "cannot open: \(errnoText(e))", path: path))
        }
        defer { close(fd) }
        var st = Glibc.stat()
        guard fstat(fd, &st) == 0 else {
            return .failure(RegistryError(code: .io, message: "cannot stat: \(errnoText(errno))", path: path))
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            return .failure(RegistryError(code: .io, message: "is not a regular file", path: path))
        }
        guard Int(st.st_size) <= maxFileBytes else {
            return .failure(RegistryError(code: .io, message: "is \(st.st_size) bytes, more than the \(maxFileBytes >> 20) MiB limit",
                                          path: path))
        }
        var buf = [UInt8](repeating: 0, count: Int(st.st_size) + 1)
        var used = 0
        while true {
            if used == buf.count {
                guard buf.count <= maxFileBytes else {
                    return .failure(RegistryError(code: .io, message: "grew past the \(maxFileBytes >> 20) MiB limit while reading", path: path))
                }
                buf.append(contentsOf: repeatElement(0, count: buf.count))
            }
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + used, $0.count - used) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(RegistryError(code: .io, message: "cannot read: \(errnoText(errno))", path: path))
            }
            if n == 0 { break }
            used += n
        }
        buf.removeSubrange(used...)
        return .success((buf, FileStamp(st)))
    }

    /// Wall-clock seconds since the epoch (the clock file timestamps use).
    static func now() -> Double { Timestamp.now() }
}
