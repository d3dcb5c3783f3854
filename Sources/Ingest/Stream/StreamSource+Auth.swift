import CamsiftCore
import Foundation
import Media

extension StreamSource {
    /// The URL FFmpeg opens: the camera's URL with `auth` (user + password file, read at every connect so a
    /// rotated password applies on the next reconnect) inserted as percent-encoded userinfo, which FFmpeg's
    /// rtsp/http/rtmp protocols all take. Never logged: errors and logs use `camera.redactedURL`.
    static func openURL(for camera: Camera) throws(MediaError) -> String {
        guard let auth = camera.auth else { return camera.url }
        guard let data = FileManager.default.contents(atPath: auth.passwordFile),
              let raw = String(data: data, encoding: .utf8) else {
            throw MediaError(.unauthorized, "camera '\(camera.id)': cannot read auth.passwordFile '\(auth.passwordFile)'; create it (mode 0600) with the password on one line")
        }
        let password = raw.trimmingCharacters(in: .newlines)
        guard let schemeEnd = camera.url.range(of: "://") else {
            throw MediaError(.invalidArgument, "camera '\(camera.id)': auth needs a URL with a scheme and host, got '\(camera.redactedURL)'")
        }
        var rest = camera.url[schemeEnd.upperBound...]
        // Credentials already in the URL are replaced by the registry's auth.
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return camera.url[..<schemeEnd.upperBound] + userinfo(auth.user) + ":" + userinfo(password) + "@" + rest
    }

    /// RFC 3986 userinfo encoding: unreserved characters stay, everything else is %XX.
    static func userinfo(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
            }
        }
        return out
    }
}
