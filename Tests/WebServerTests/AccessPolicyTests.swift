import Foundation
import Testing
@testable import WebServer

@Suite struct AccessPolicyTests {
    private func tempFile(_ contents: String?) throws -> String {
        let path = NSTemporaryDirectory() + "camsift-token-\(UUID().uuidString)"
        if let contents { try contents.write(toFile: path, atomically: true, encoding: .utf8) }
        return path
    }

    @Test func resolveRefusesAnOpenNetworkConsole() throws {
        #expect {
            _ = try AccessPolicy.resolve(address: "0.0.0.0:8080", tokenFile: "")
        } throws: { error in
            guard let e = error as? WebServerError else { return false }
            return e.code == .accessPolicy && e.message.contains("consoleTokenFile") && e.message.contains("head -c 32 /dev/urandom")
                && e.message.contains("chmod 600")
        }
        let local = try AccessPolicy.resolve(address: "127.0.0.1:8080", tokenFile: "")
        #expect(local.clients == .loopbackOnly && !local.requiresToken)
        #expect(try AccessPolicy.resolve(address: "[::1]:8080", tokenFile: "").clients == .loopbackOnly)
    }

    @Test func tokenFileMustExistAndHoldAToken() throws {
        let missing = try tempFile(nil)
        #expect {
            _ = try AccessPolicy.resolve(address: "0.0.0.0:8080", tokenFile: missing)
        } throws: { ($0 as? WebServerError).map { $0.code == .tokenFile && $0.message.contains(missing) } == true }
        let empty = try tempFile(" \n")
        defer { unlink(empty) }
        #expect {
            _ = try AccessPolicy.resolve(address: "0.0.0.0:8080", tokenFile: empty)
        } throws: { ($0 as? WebServerError).map { $0.code == .tokenFile && $0.message.contains("empty") && $0.message.contains(empty) } == true }
        let good = try tempFile("s3cret-token\n")
        defer { unlink(good) }
        let policy = try AccessPolicy.resolve(address: "0.0.0.0:8080", tokenFile: good)
        #expect(policy.requiresToken && policy.clients == .any)
    }

    @Test func tokenIsRequiredOverHTTP() throws {
        let server = try makeServer(access: .token("s3cret-token"))
        defer { server.stop() }
        let port = server.port
        let basic = Data("operator:s3cret-token".utf8).base64EncodedString()
        let wrongBasic = Data("operator:s3cret-tokem".utf8).base64EncodedString()
        #expect(try RawHTTP.request(port: port, "/", headers: [("Authorization", "Bearer s3cret-token")]).status == 200)
        #expect(try RawHTTP.request(port: port, "/", headers: [("Authorization", "Basic \(basic)")]).status == 200)
        for header in [nil, "Bearer s3cret-tokem", "Bearer s3cret-token-longer", "Basic \(wrongBasic)", "Basic !!!", "s3cret-token"] {
            let r = try RawHTTP.request(port: port, "/", headers: header.map { [("Authorization", $0)] } ?? [])
            #expect(r.status == 401, "\(header ?? "no header")")
            #expect(r.headers["www-authenticate"] == "Basic realm=\"camsift\"")
        }
        // A POST without the token is refused before its body or CSRF token matter.
        #expect(try RawHTTP.request(port: port, "POST", "/", headers: [("X-CSRF-Token", server.access.csrfToken)]).status == 401)
    }

    @Test func postsNeedTheCSRFTokenAndTheSameOrigin() throws {
        let server = try makeServer()
        defer { server.stop() }
        let port = server.port, token = server.access.csrfToken
        #expect(token.count == 64 && token.allSatisfy(\.isHexDigit))
        let form = [("Content-Type", "application/x-www-form-urlencoded")]
        #expect(try RawHTTP.request(port: port, "POST", "/", headers: form, body: Array("a=1".utf8)).status == 403)
        #expect(try RawHTTP.request(port: port, "POST", "/", headers: form, body: Array("csrf=wrong".utf8)).status == 403)
        #expect(try RawHTTP.request(port: port, "POST", "/", headers: form, body: Array("csrf=\(token)".utf8)).status == 200)
        #expect(try RawHTTP.request(port: port, "POST", "/", headers: [("X-CSRF-Token", token)]).status == 200)
        let sameOrigin = ("Origin", "http://127.0.0.1:\(port)")
        #expect(try RawHTTP.request(port: port, "POST", "/", headers: [("X-CSRF-Token", token), sameOrigin]).status == 200)
        for origin in ["http://evil.example", "http://127.0.0.1:\(port + 1)", "null"] {
            let r = try RawHTTP.request(port: port, "POST", "/", headers: [("X-CSRF-Token", token), ("Origin", origin)])
            #expect(r.status == 403, "Origin \(origin)")
        }
        // GET is never checked (handlers must not change state on it).
        #expect(try RawHTTP.request(port: port, "/", headers: [("Origin", "http://evil.example")]).status == 200)
    }

    @Test func loopbackPolicyRefusesOtherClients() {
        let headers = ["host": "x"]
        #expect(AccessPolicy.loopback.refusal(method: "GET", headers: headers, isLoopback: false)?.status == 403)
        #expect(AccessPolicy.loopback.refusal(method: "GET", headers: headers, isLoopback: true) == nil)
        #expect(AccessPolicy.open.refusal(method: "GET", headers: headers, isLoopback: false) == nil)
        #expect(ListenAddress.isLoopbackPeer("::ffff:127.0.0.1") && !ListenAddress.isLoopbackPeer("10.0.0.1"))
    }

    @Test func constantTimeComparison() {
        #expect(AccessPolicy.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!AccessPolicy.constantTimeEquals(Array("abd".utf8), Array("abc".utf8)))
        #expect(!AccessPolicy.constantTimeEquals(Array("ab".utf8), Array("abc".utf8)))
        #expect(!AccessPolicy.constantTimeEquals(Array("abcd".utf8), Array("abc".utf8)))
        #expect(!AccessPolicy.constantTimeEquals([], Array("abc".utf8)))
    }
}
