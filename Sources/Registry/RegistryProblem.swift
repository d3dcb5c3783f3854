/// One thing wrong with a registry or config file, phrased for the person who has to fix it.
///
/// Printed by `camsift validate` and logged on reload as
/// `FILE: camera 'ID': field 'F': what is wrong — how to fix`. Errors make the loader skip the file (its
/// cameras keep their last good definition); warnings (unknown fields) never do.
public struct RegistryProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var file: String
    public var camera: String?
    public var field: String?
    /// What is wrong.
    public var message: String
    /// How to fix it.
    public var fix: String
    public var severity: Severity

    public init(file: String, camera: String? = nil, field: String? = nil, message: String, fix: String,
                severity: Severity = .error) {
        self.file = file
        self.camera = camera
        self.field = field
        self.message = message
        self.fix = fix
        self.severity = severity
    }

    public var isError: Bool { severity == .error }

    public var description: String {
        var s = file + ": "
        if severity == .warning { s += "warning: " }
        if let camera { s += "camera '\(camera)': " }
        if let field { s += "field '\(field)': " }
        s += message
        if !fix.isEmpty { s += " — " + fix }
        return s
    }
}
