/// Strips credentials from URLs before they are printed.
///
/// Public camera URLs often embed `user:password@` or `?user=..&pwd=..`; camsift never prints either.
public enum URLRedaction {
    /// Query keys whose values are secrets in common camera firmware (Foscam `pwd`, Axis `password`, tokens).
    static let secretQueryKeys: Set<String> = ["password", "pwd", "pass", "passwd", "token", "key", "auth", "secret"]

    public static func redact(_ url: String) -> String {
        var s = Substring(url)
        var out = ""
        if let schemeEnd = s.firstRange(of: "://") {
            out += s[..<schemeEnd.upperBound]
            s = s[schemeEnd.upperBound...]
        }
        let authorityEnd = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? s.endIndex
        let authority = s[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            out += "***@" + authority[authority.index(after: at)...]
        } else {
            out += authority
        }
        let rest = s[authorityEnd...]
        guard let q = rest.firstIndex(of: "?") else { return out + rest }
        out += rest[...q]
        let query = rest[rest.index(after: q)...]
        let fragmentStart = query.firstIndex(of: "#") ?? query.endIndex
        let pairs = query[..<fragmentStart].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let eq = pair.firstIndex(of: "=") else { return String(pair) }
            let key = pair[..<eq].lowercased()
            return secretQueryKeys.contains(key) ? pair[...eq] + "***" : String(pair)
        }
        return out + pairs.joined(separator: "&") + query[fragmentStart...]
    }
}
