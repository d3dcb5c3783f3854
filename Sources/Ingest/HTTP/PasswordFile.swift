import Foundation

/// Camera passwords live in files (registry `auth.passwordFile`) so registries can be shared and logged.
enum PasswordFile {
    static func read(_ path: String, camera: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let s = String(data: data, encoding: .utf8) else {
            throw IngestError(.unsupportedCamera,
                              "camera '\(camera)': cannot read auth.passwordFile '\(path)'; create it (mode 0600) "
                              + "with the password on one line")
        }
        return s.trimmingCharacters(in: .newlines)
    }
}
