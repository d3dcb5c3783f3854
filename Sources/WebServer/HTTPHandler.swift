/// Answers one request. Called on one of libmicrohttpd's polling threads, so it must be quick and must not block
/// on I/O it does not own: every other client of that thread waits meanwhile.
///
/// Rule for implementers: GET and HEAD never change state — only POST does, and the server checks POSTs for the
/// CSRF token and a same-origin `Origin` before the handler sees them (see `AccessPolicy`). A state-changing GET
/// would bypass both checks (any page could trigger it with an `<img src>`).
public protocol HTTPHandler: Sendable {
    func respond(to request: HTTPRequest) -> HTTPResponse
}

/// An `HTTPHandler` made of a closure, for small routers and tests.
public struct ClosureHandler: HTTPHandler {
    private let body: @Sendable (HTTPRequest) -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.body = body
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse { body(request) }
}
