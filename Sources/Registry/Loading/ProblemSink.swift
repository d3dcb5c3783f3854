/// Collects the problems of one file, capped so a generated 10,000-camera aggregator with one systematic
/// mistake prints a screenful, not 10,000 lines.
struct ProblemSink {
    static let cap = 50

    let file: String
    private(set) var problems: [RegistryProblem] = []
    private(set) var errorCount = 0
    private var suppressed = 0

    init(file: String) {
        self.file = file
    }

    var hasErrors: Bool { errorCount > 0 }

    mutating func error(camera: String? = nil, field: String? = nil, _ message: String, fix: String) {
        errorCount += 1
        add(RegistryProblem(file: file, camera: camera, field: field, message: message, fix: fix, severity: .error))
    }

    mutating func warning(camera: String? = nil, field: String? = nil, _ message: String, fix: String) {
        add(RegistryProblem(file: file, camera: camera, field: field, message: message, fix: fix, severity: .warning))
    }

    private mutating func add(_ p: RegistryProblem) {
        if problems.count < ProblemSink.cap { problems.append(p) } else { suppressed += 1 }
    }

    /// The problems, plus one line counting the ones left out.
    func finish() -> [RegistryProblem] {
        guard suppressed > 0 else { return problems }
        return problems + [RegistryProblem(
            file: file, message: "\(suppressed) more problems not shown",
            fix: "fix the ones above and run `camsift validate \(file)` again",
            severity: errorCount > 0 ? .error : .warning)]
    }
}
