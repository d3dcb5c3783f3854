/// The rule for label names. A label is a folder name that `camsift train` turns into a class name, that the
/// console prints and that appears in URLs: so a short, plain name, not hidden, not the frame inbox.
public enum LabelName {
    public static let maxLength = 64

    /// `nil` when `name` is a valid label; otherwise the problem and its fix, as one sentence.
    public static func problem(_ name: String) -> String? {
        let fix = "use 1–\(maxLength) letters, digits, '-', '_' or spaces, e.g. 'delivery van'"
        if name.isEmpty { return "label name is empty; \(fix)" }
        if name.count > maxLength { return "label name '\(name.prefix(20))…' is longer than \(maxLength) characters; \(fix)" }
        if name == "unlabeled" { return "'unlabeled' is the frame archive's inbox, not a label; pick another name" }
        if name.hasPrefix(".") { return "label name '\(name)' starts with '.', which hides it from training; \(fix)" }
        if name.first == " " || name.last == " " {
            return "label name '\(name)' starts or ends with a space; remove the space"
        }
        for ch in name.unicodeScalars {
            let ok = ch.properties.isAlphabetic || ("0"..."9").contains(ch) || ch == "-" || ch == "_" || ch == " "
            if !ok { return "label name '\(name)' contains '\(ch.escaped(asASCII: true))'; \(fix)" }
        }
        return nil
    }

    static func validate(_ name: String) throws(LabelsError) {
        if let p = problem(name) { throw LabelsError(.badLabelName, p) }
    }
}
