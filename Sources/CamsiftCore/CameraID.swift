/// Rules for camera ids. Ids become archive paths (`ARCHIVE/unlabeled/<id>/...`) and metric labels, so they
/// must be safe as a single file-name component on every filesystem users archive to.
public enum CameraID {
    public static let maxLength = 128

    /// `nil` when `id` is safe; otherwise why it is not, phrased to follow "id".
    public static func problem(_ id: String) -> String? {
        if id.isEmpty { return "is empty" }
        if id.utf8.count > maxLength { return "is longer than \(maxLength) bytes" }
        if id == "." || id == ".." { return "is '\(id)', which is a directory reference" }
        if id.hasPrefix(".") || id.hasPrefix("-") { return "starts with '\(id.first!)'" }
        for u in id.unicodeScalars {
            let ok = (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9")
                || u == "-" || u == "_" || u == "."
            if !ok { return "contains '\(u.escaped(asASCII: true))'" }
        }
        return nil
    }
}
