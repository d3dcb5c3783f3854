import CamsiftCore

/// What every HTTP worker of one runtime shares: the curl loop, the decode pool and the options.
struct HTTPContext: Sendable {
    let loop: CurlLoop
    let decoder: DecodePool
    let options: IngestOptions
    let sink: any FrameSink

    /// The request for a camera: URL, extra headers, credentials read from the password file now (never kept
    /// in logs or errors).
    func request(for camera: Camera) throws -> HTTPRequest {
        var r = HTTPRequest(url: camera.url, headers: camera.headers)
        if let auth = camera.auth {
            r.user = auth.user
            r.password = try PasswordFile.read(auth.passwordFile, camera: camera.id)
        }
        return r
    }
}
