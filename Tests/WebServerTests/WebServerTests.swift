import Foundation
import Testing
@testable import WebServer

/// What the echo handler reports about the request it saw.
struct Echo: Codable {
    var method: String
    var path: String
    var query: [String: String]
    var form: [String: String]
    var headers: [String: String]
    var body: String
    var remoteAddress: String
    var isLoopback: Bool
}

let echoHandler = ClosureHandler { r in
    if r.path == "/cached" {
        return HTTPResponse(status: 200, headers: [("Cache-Control", "max-age=60")], body: Array("cached\n".utf8))
    }
    if r.path == "/missing" { return .status(404, "nothing here") }
    return .json(Echo(method: r.method, path: r.path, query: r.query, form: r.form, headers: r.headers,
                      body: String(decoding: r.body, as: UTF8.self), remoteAddress: r.remoteAddress, isLoopback: r.isLoopback))
}

func makeServer(_ limits: HTTPLimits = HTTPLimits(), access: AccessPolicy = .loopback,
                handler: any HTTPHandler = echoHandler) throws -> HTTPServer {
    let server = try HTTPServer(address: "127.0.0.1:0", limits: limits, access: access, handler: handler)
    try server.start()
    return server
}

func decodeEcho(_ r: RawResponse) throws -> Echo { try JSONDecoder().decode(Echo.self, from: Data(r.body)) }

@Suite struct WebServerTests {
    @Test func getAndPostRoundTrip() throws {
        let server = try makeServer()
        defer { server.stop() }
        let get = try RawHTTP.request(port: server.port, "/cams/a%20b?x=1&y=a+b%26c&x=2", headers: [("X-Mixed-Case", "v")])
        #expect(get.status == 200)
        #expect(get.headers["content-type"] == "application/json")
        let g = try decodeEcho(get)
        #expect(g.method == "GET" && g.path == "/cams/a b")
        #expect(g.query == ["x": "1", "y": "a b&c"])
        #expect(g.headers["x-mixed-case"] == "v" && g.headers["host"] == "127.0.0.1:\(server.port)")
        #expect(g.remoteAddress == "127.0.0.1" && g.isLoopback)

        let csrf = server.access.csrfToken
        let form = try RawHTTP.request(port: server.port, "POST", "/label?camera=lobby",
                                       headers: [("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")],
                                       body: Array("csrf=\(csrf)&label=person+walking&n=%C3%A9&label=second".utf8))
        #expect(form.status == 200)
        let f = try decodeEcho(form)
        #expect(f.method == "POST" && f.query == ["camera": "lobby"])
        #expect(f.form == ["csrf": csrf, "label": "person walking", "n": "é"])

        // A body larger than one MHD read, with the token in the header instead of the form.
        let big = String(repeating: "0123456789", count: 20_000)
        let raw = try RawHTTP.request(port: server.port, "POST", "/upload",
                                      headers: [("Content-Type", "application/octet-stream"), ("X-CSRF-Token", csrf)],
                                      body: Array(big.utf8))
        #expect(raw.status == 200)
        let r = try decodeEcho(raw)
        #expect(r.body == big && r.form.isEmpty)
    }

    @Test func headAnswersHeadersOnly() throws {
        let server = try makeServer()
        defer { server.stop() }
        let get = try RawHTTP.request(port: server.port, "GET", "/cached")
        let head = try RawHTTP.request(port: server.port, "HEAD", "/cached")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(get.body == Array("cached\n".utf8))
        #expect(head.headers["content-length"] == "\(get.body.count)")
    }

    @Test func everyResponseCarriesTheSecurityHeaders() throws {
        let server = try makeServer()
        defer { server.stop() }
        let ok = try RawHTTP.request(port: server.port, "/")
        let missing = try RawHTTP.request(port: server.port, "/missing")
        let refused = try RawHTTP.request(port: server.port, "DELETE", "/")
        let forbidden = try RawHTTP.request(port: server.port, "POST", "/")
        for r in [ok, missing, refused, forbidden] {
            #expect(r.headers["content-security-policy"] == "default-src 'self'; script-src 'self'; style-src 'self'; "
                    + "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
            #expect(r.headers["x-content-type-options"] == "nosniff")
            #expect(r.headers["referrer-policy"] == "no-referrer")
            #expect(r.headers["x-frame-options"] == "DENY")
            #expect(r.headers["cache-control"] == "no-store")
        }
        #expect([ok.status, missing.status, refused.status, forbidden.status] as [Int] == [200, 404, 405, 403])
        let cached = try RawHTTP.request(port: server.port, "/cached")
        #expect(cached.headers["cache-control"] == "max-age=60")
    }

    @Test func limitsAreEnforced() throws {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 1000
        let server = try makeServer(limits)
        defer { server.stop() }
        let csrf = ("X-CSRF-Token", server.access.csrfToken)
        // Headers: just over our 8 KiB (our own 431) and far over MHD's pool (MHD's 431).
        for size in [9 * 1024, 64 * 1024] {
            let r = try RawHTTP.request(port: server.port, "/", headers: [("X-Big", String(repeating: "a", count: size))])
            #expect(r.status == 431, "header of \(size) bytes")
        }
        let r414 = try RawHTTP.request(port: server.port, "/" + String(repeating: "u", count: 3 * 1024))
        #expect(r414.status == 414)
        let r405 = try RawHTTP.request(port: server.port, "PUT", "/", body: Array("x".utf8))
        #expect(r405.status == 405 && r405.headers["allow"] == "GET, HEAD, POST")
        // A declared body over the limit is refused before it is sent.
        let head413 = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nX-CSRF-Token: \(csrf.1)\r\n\r\n"
        #expect(try RawHTTP.exchange(port: server.port, Array(head413.utf8))?.status == 413)
        let atLimit = try RawHTTP.request(port: server.port, "POST", "/", headers: [csrf], body: Array(repeating: 65, count: 1000))
        #expect(atLimit.status == 200)
        // A chunked body that grows past the limit: the connection is closed without a handler response.
        let chunk = String(repeating: "b", count: 600)
        let chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-CSRF-Token: \(csrf.1)\r\n\r\n"
            + "258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n"
        #expect(try RawHTTP.exchange(port: server.port, Array(chunked.utf8))?.status != 200)
        let smallChunked = "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
            + "X-CSRF-Token: \(csrf.1)\r\n\r\n258\r\n\(chunk)\r\n0\r\n\r\n"
        #expect(try RawHTTP.exchange(port: server.port, Array(smallChunked.utf8))?.status == 200)
        // Every path above (ours, MHD's own 431, a closed upload) released its request state.
        let deadline = Date().addingTimeInterval(2)
        while server.requestsInFlight != 0 && Date() < deadline { usleep(10_000) }
        #expect(server.requestsInFlight == 0)
    }

    @Test func takenPortAndBadAddressAreClearErrors() throws {
        let first = try makeServer()
        defer { first.stop() }
        #expect {
            _ = try HTTPServer(address: "127.0.0.1:\(first.port)", handler: echoHandler)
        } throws: { error in
            guard let e = error as? WebServerError else { return false }
            return e.code == .bind && e.message.contains("127.0.0.1:\(first.port)") && e.message.contains("\"console\"")
                && e.description.contains("in use")
        }
        #expect {
            _ = try HTTPServer(address: "camsift.local:80", handler: echoHandler)
        } throws: { ($0 as? WebServerError)?.code == .invalidAddress }
        #expect(throws: WebServerError.self) { _ = try HTTPServer(address: "127.0.0.1", handler: echoHandler) }
    }

    @Test func stopIsIdempotentAndFinal() throws {
        let server = try makeServer()
        let port = server.port
        #expect(try RawHTTP.request(port: port, "/").status == 200)
        server.stop()
        server.stop()
        #expect(throws: (any Error).self) { _ = try RawHTTP.request(port: port, "/") }
        #expect(throws: WebServerError.self) { try server.start() }
        // Never started: stop just closes the bound socket, and the port is free again.
        let idle = try HTTPServer(address: "127.0.0.1:0", handler: echoHandler)
        let idlePort = idle.port
        idle.stop()
        let again = try HTTPServer(address: "127.0.0.1:\(idlePort)", handler: echoHandler)
        again.stop()
    }
}
