import CamsiftCore

/// Loads registry directories and validates registry files.
///
/// Loading is incremental: a file whose stat stamp (device, inode, size, mtime, ctime) matches the previous
/// snapshot's cache is not read again, so a reload of 10,000 files where one changed costs 10,000 `stat`s
/// and one parse.
public enum RegistryLoader {
    /// Files that changed less than this many seconds before they were read are re-parsed on the next load
    /// even if their stamp matches (timestamp granularity on some file systems is coarse; NFS: 1 s).
    static let racyWindow: Double = 2

    /// Loads every `*.json` directly under `directory` (dotfiles and `#...` editor files are ignored).
    /// A file with any error is skipped; cameras it held in `previous` keep their previous definition.
    public static func load(directory: String, previous: RegistrySnapshot?) -> RegistrySnapshot {
        let names: [String]
        switch RegistryFileSystem.listRegistryFiles(in: directory) {
        case .failure(let e):
            // Losing the directory for a moment must not stop 10,000 cameras: keep everything.
            var s = previous ?? RegistrySnapshot()
            s.parsedPaths = []
            s.problems = [RegistryProblem(
                file: directory, message: e.message,
                fix: e.code == .notFound
                    ? "create the directory, or set \"cameras\" in the config (or --cameras) to the registry directory"
                    : "make it readable by the user camsift runs as")]
            return s
        case .success(let n):
            names = n
        }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let now = RegistryFileSystem.now()
        var inputs: [RegistryAssembler.Input] = []
        inputs.reserveCapacity(names.count)
        var parsedPaths: [String] = []
        var notes: [RegistryProblem] = []
        for name in names {
            let path = base + name
            switch RegistryFileSystem.stat(path) {
            case .file(let stamp):
                if let cached = previous?.cache[path], cached.reusable(for: stamp) {
                    inputs.append(.init(path: path, parsed: cached))
                } else {
                    inputs.append(.init(path: path, parsed: parseFile(path, now: now)))
                    parsedPaths.append(path)
                }
            case .missing:
                continue  // deleted between readdir and stat: the next event reloads again
            case .directory, .other:
                notes.append(RegistryProblem(file: path, message: "is not a regular file and is ignored",
                                             fix: "registry entries are *.json files; rename it", severity: .warning))
            case .failed(let why):
                inputs.append(.init(path: path, parsed: unreadable(path, why)))
                parsedPaths.append(path)
            }
        }
        var s = RegistryAssembler.assemble(inputs, previous: previous, extraProblems: notes)
        s.parsedPaths = parsedPaths
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
            case .missing:
                pathProblems.append(RegistryProblem(file: p, message: "does not exist",
                                                    fix: "check the path (registry files are *.json, or pass their directory)"))
            case .other(let why), .failed(let why):
                pathProblems.append(RegistryProblem(file: p, message: why, fix: "pass a registry file or directory"))
            }
        }
        let now = RegistryFileSystem.now()
        let inputs = files.map { RegistryAssembler.Input(path: $0, parsed: parseFile($0, now: now)) }
        var s = RegistryAssembler.assemble(inputs, previous: nil, extraProblems: pathProblems)
        s.parsedPaths = files
        return s
    }

    static func parseFile(_ path: String, now: Double) -> ParsedFile {
        switch RegistryFileSystem.read(path) {
        case .failure(let e):
            return unreadable(path, e.message)
        case .success(let (bytes, stamp)):
            let r = RegistryFileParser.parse(bytes, file: path)
            return ParsedFile(stamp: stamp, cameras: r.cameras, problems: r.problems, hasErrors: r.hasErrors,
                              racy: stamp.changedAt >= now - racyWindow)
        }
    }

    private static func unreadable(_ path: String, _ why: String) -> ParsedFile {
        ParsedFile(stamp: nil, cameras: [],
                   problems: [RegistryProblem(file: path, message: why, fix: "make the file readable by the user camsift runs as")],
                   hasErrors: true, racy: true)
    }
}
