#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore

/// Loads registry directories and validates registry files.
///
/// Loading is incremental: a file whose stat stamp (device, inode, size, mtime, ctime) matches the previous
/// snapshot's cache is not read again, so a reload of 10,000 files where one changed costs 10,000 `stat`s
/// and one parse.
public enum RegistryLoader {
    /// Files that changed less than this many seconds before they were read are re-read on the next load
    /// even if their stamp matches (timestamp granularity on some file systems is coarse; NFS: 1 s), and
    /// re-parsed only if their bytes differ.
    static let racyWindow: Double = 2

    /// Loads every `*.json` directly under `directory` (dotfiles and `#...` editor files are ignored).
    /// A file with any error is skipped; cameras it held in `previous` keep their previous definition.
    public static func load(directory: String, previous: RegistrySnapshot?) -> RegistrySnapshot {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let now = RegistryFileSystem.now()
        var parsedPaths: [String] = []
        var reads = 0
        var notes: [RegistryProblem] = []
        let listed = RegistryFileSystem.withRegistryFiles(in: directory) { names, dirFD -> [RegistryAssembler.Input] in
            var inputs: [RegistryAssembler.Input] = []
            inputs.reserveCapacity(names.count)
            for name in names {
                let path = base + name
                switch RegistryFileSystem.stat(name, relativeTo: dirFD) {
                case .file(let stamp):
                    let cached = previous?.cache[path]
                    if let cached, cached.reusable(for: stamp) {
                        inputs.append(.init(path: path, parsed: cached))
                    } else {
                        let (parsed, didParse) = parseFile(path, name: name, in: dirFD, now: now, cached: cached)
                        reads += 1
                        inputs.append(.init(path: path, parsed: parsed))
                        if didParse { parsedPaths.append(path) }
                    }
                case .missing:
                    continue  // deleted between readdir and stat: its delete event triggers another reload
                case .directory, .other:
                    notes.append(RegistryProblem(file: path, message: "is not a regular file and is ignored",
                                                 fix: "registry entries are *.json files; rename it", severity: .warning))
                case .dangling:
                    notes.append(RegistryProblem(file: path, message: "is a symbolic link to a file that does not exist",
                                                 fix: "fix the link target or remove the link", severity: .warning))
                case .failed(let why):
                    inputs.append(.init(path: path, parsed: unreadable(path, why)))
                    parsedPaths.append(path)
                }
            }
            return inputs
        }
        let inputs: [RegistryAssembler.Input]
        switch listed {
        case .failure(let e):
            // Losing the directory for a moment must not stop 10,000 cameras: keep everything.
            var s = previous ?? RegistrySnapshot()
            s.parsedPaths = []
            s.readCount = 0
            s.problems = [RegistryProblem(
                file: directory, message: e.message,
                fix: e.code == .notFound
                    ? "create the directory, or set \"cameras\" in the config (or --cameras) to the registry directory"
                    : "make it readable by the user camsift runs as")]
            return s
        case .success(let i):
            inputs = i
        }
        var s = RegistryAssembler.assemble(inputs, previous: previous, extraProblems: notes)
        s.parsedPaths = parsedPaths
        s.readCount = reads
        return s
    }

    /// Validates explicit files and directories (for `camsift validate PATH...`): directories contribute
    /// their `*.json` files, files are checked whatever their name. Duplicate ids are checked across all.
    public static func validate(paths: [String]) -> RegistrySnapshot {
        var files: [String] = []
        var seen = Set<String>()
        var pathProblems: [RegistryProblem] = []
        func add(_ f: String) { if seen.insert(f).inserted { files.append(f) } }
        for p in paths {
            switch RegistryFileSystem.stat(p) {
            case .directory:
                switch RegistryFileSystem.listRegistryFiles(in: p) {
                case .success(let names):
                    let base = p.hasSuffix("/") ? p : p + "/"
                    names.forEach { add(base + $0) }
                case .failure(let e):
                    pathProblems.append(RegistryProblem(file: p, message: e.message, fix: "make it readable"))
                }
            case .file:
                add(p)
            case .missing, .dangling:
                pathProblems.append(RegistryProblem(file: p, message: "does not exist",
                                                    fix: "check the path (registry files are *.json, or pass their directory)"))
            case .other(let why), .failed(let why):
                pathProblems.append(RegistryProblem(file: p, message: why, fix: "pass a registry file or directory"))
            }
        }
        let now = RegistryFileSystem.now()
        let inputs = files.map { RegistryAssembler.Input(path: $0, parsed: parseFile($0, now: now, cached: nil).0) }
        var s = RegistryAssembler.assemble(inputs, previous: nil, extraProblems: pathProblems)
        s.parsedPaths = files
        return s
    }

    /// Reads and parses `path`, reusing `cached`'s parse when the bytes are the same. Returns whether it parsed.
    static func parseFile(_ path: String, name: String? = nil, in dirFD: Int32 = AT_FDCWD, now: Double,
                          cached: ParsedFile?) -> (ParsedFile, Bool) {
        switch RegistryFileSystem.read(path, name: name, in: dirFD) {
        case .failure(let e):
            return (unreadable(path, e.message), true)
        case .success(let (bytes, stamp)):
            let racy = stamp.changedAt >= now - racyWindow
            if var same = cached, same.stamp != nil, same.bytes == bytes {
                same.stamp = stamp
                same.racy = racy
                return (same, false)
            }
            let r = RegistryFileParser.parse(bytes, file: path)
            return (ParsedFile(stamp: stamp, cameras: r.cameras, problems: r.problems, hasErrors: r.hasErrors,
                               racy: racy, bytes: bytes), true)
        }
    }

    private static func unreadable(_ path: String, _ why: String) -> ParsedFile {
        ParsedFile(stamp: nil, cameras: [],
                   problems: [RegistryProblem(file: path, message: why, fix: "make the file readable by the user camsift runs as")],
                   hasErrors: true, racy: true, bytes: [])
    }
}
