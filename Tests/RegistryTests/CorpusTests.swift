import CamsiftCore
import Foundation
import Testing
@testable import Registry

/// Every validation rule, one corpus file each (Tests/RegistryTests/Corpus/bad), with the problem it must
/// produce: the field it names, the camera when it is known, and a fragment of the message and of the fix.
@Suite struct CorpusTests {
    struct Expectation: Sendable, CustomStringConvertible {
        var file: String
        var field: String?
        var camera: String?
        var message: String
        var fix: String
        var description: String { file }
    }

    static func e(_ file: String, _ field: String?, _ camera: String?, _ message: String, _ fix: String) -> Expectation {
        Expectation(file: file, field: field, camera: camera, message: message, fix: fix)
    }

    static let bad: [Expectation] = [
        // JSON syntax, with line:column
        e("syntax-missing-comma", nil, nil, "line 4, column 3: expected ',' or '}' after field \"kind\"", "add a ','"),
        e("syntax-trailing-comma", nil, nil, "line 6, column 1: trailing comma", "remove the last ','"),
        e("syntax-unclosed", nil, nil, "line 4, column 30: the file ends inside an object", "missing '}'"),
        e("syntax-single-quotes", nil, nil, "line 2, column 3: expected a field name in double quotes", "\"name\": value"),
        e("syntax-empty", nil, nil, "line 1, column 1: the file is empty", "delete the file"),
        e("syntax-unquoted-key", nil, nil, "line 2, column 3", "\"name\": value"),
        e("syntax-line-break-in-string", nil, nil, "line 2, column 12: line break inside a string", "close the string"),
        e("syntax-duplicate-key", nil, nil, "line 6, column 3: field \"interval\" appears twice", "keep one \"interval\""),
        e("syntax-leading-zero", nil, nil, "leading zeros", "quote the value"),
        e("syntax-trailing-garbage", nil, nil, "line 2, column 1: unexpected '{'", "exactly one JSON object"),
        e("syntax-invalid-utf8", nil, nil, "not valid UTF-8", "UTF-8"),
        e("top-level-array", nil, nil, "top level is an array", "aggregator"),
        // kind
        e("unknown-kind", "kind", "lobby", "'rtsp' is not a camera kind", "rtsp URLs use \"stream\""),
        e("kind-upper-case", "kind", "lobby", "'MJPEG' is not a camera kind", "\"mjpeg\" in lower case"),
        e("kind-not-string", "kind", "lobby", "is a number (1), not a string", "\"kind\": \"snapshot\""),
        // missing fields
        e("missing-id", "id", nil, "is missing", "\"id\":"),
        e("missing-kind", "kind", "lobby", "is missing", "\"kind\": \"mjpeg\""),
        e("missing-url", "url", "lobby", "is missing", "\"url\": \"http://"),
        e("missing-interval", "interval", "lobby", "is missing", "\"interval\": seconds"),
        // ids: must be safe as file names
        e("id-not-string", "id", nil, "is a number (12), not a string", "\"id\": \"lobby-1\""),
        e("id-slash", "id", "cams/lobby", "contains '/'", "archive directory names"),
        e("id-dotdot", "id", "..", "directory reference", "only letters, digits"),
        e("id-leading-dash", "id", "-rf", "starts with '-'", "not starting with '.' or '-'"),
        e("id-empty", "id", nil, "is empty", "only letters, digits"),
        e("id-too-long", "id", String(repeating: "x", count: 129), "longer than 128 bytes", "at most 128 bytes"),
        e("id-space", "id", "front door", "contains ' '", "only letters, digits"),
        // interval
        e("interval-zero", "interval", "lobby", "is 0; it must be more than 0", "fractions like 0.5"),
        e("interval-negative", "interval", "lobby", "is -5; it must be more than 0", "seconds between sampled frames"),
        e("interval-string", "interval", "lobby", "is a string (\"10\"), not a number", "without quotes: \"interval\": 10"),
        e("interval-null", "interval", "lobby", "is null, not a number", "seconds between sampled frames"),
        // url
        e("url-scheme-kind-mismatch", "url", "lobby", "scheme 'rtsp' does not fit kind 'mjpeg'", "set \"kind\" to \"stream\""),
        e("url-rtmp-kind-with-http", "url", "lobby", "scheme 'http' does not fit kind 'rtmp'", "rtmp, rtmps, rtmpt"),
        e("url-no-scheme", "url", "lobby", "has no scheme", "http://"),
        e("url-space", "url", "lobby", "contains a space", "%20"),
        e("url-bad-port", "url", "lobby", "port '99999'", "fix the port"),
        e("url-no-host", "url", "lobby", "has no host", "http://HOST/path"),
        e("url-no-slashes", "url", "lobby", "has no '//' after 'http:'", "http://host/path"),
        e("url-empty", "url", "lobby", "is empty", "http://"),
        e("url-file-relative", "url", "lobby", "not an absolute file URL", "file:///absolute/path"),
        e("url-not-string", "url", "lobby", "is an array", "double quotes"),
        // auth: never inline passwords
        e("auth-inline-password", "auth.password", "lobby", "inline passwords are not allowed", "\"passwordFile\":"),
        e("password-top-level", "password", "lobby", "inline passwords are not allowed", "\"passwordFile\":"),
        e("auth-not-object", "auth", "lobby", "is a string", "{\"user\": \"NAME\", \"passwordFile\":"),
        e("auth-missing-password-file", "auth.passwordFile", "lobby", "is missing", "\"passwordFile\": \"/etc/camsift/secrets/NAME\""),
        e("auth-missing-user", "auth.user", "lobby", "is missing", "\"user\": \"NAME\""),
        e("auth-user-not-string", "auth.user", "lobby", "is a number (7), not a string", "\"user\":"),
        e("auth-password-file-empty", "auth.passwordFile", "lobby", "is empty", "/etc/camsift/secrets/NAME"),
        // optional fields' types
        e("headers-not-object", "headers", "lobby", "is an array, not an object", "\"headers\": {\"User-Agent\""),
        e("headers-value-not-string", "headers.X-Count", "lobby", "is a number, not a string", "quote the header value"),
        e("headers-crlf", "headers.X-A", "lobby", "line break", "one header per field"),
        e("headers-bad-name", "headers.Bad Name", "lobby", "not a valid HTTP header name", "X-Api-Key"),
        e("timeout-zero", "timeout", "lobby", "is 0; it must be more than 0", "\"timeout\""),
        e("timeout-string", "timeout", "lobby", "is a string (\"5\"), not a number", "without quotes: \"timeout\": 5"),
        e("location-lat-range", "location.lat", "lobby", "is 123.4, outside -90...90", "swap lat and lon"),
        e("location-lon-range", "location.lon", "lobby", "is -200, outside -180...180", "-180 to 180"),
        e("location-lat-string", "location.lat", "lobby", "is a string (\"52.5\"), not a number", "without quotes"),
        e("location-not-object", "location", "lobby", "is a string", "{\"lat\":"),
        e("location-name-not-string", "location.name", "lobby", "is a number (5), not a string", "\"name\":"),
        e("tags-not-array", "tags", "lobby", "not an array of strings", "\"tags\": [\"outdoor\"]"),
        e("tags-item-not-string", "tags[1]", "lobby", "is a number (2), not a string", "quote it"),
        e("enabled-string", "enabled", "lobby", "is a string (\"false\"), not a boolean", "without quotes: \"enabled\": false"),
        e("enabled-number", "enabled", "lobby", "is a number (1), not a boolean", "true or"),
        // aggregators
        e("aggregator-template-without-id", "urlTemplate", nil, "does not contain {id}", "put {id} where the camera id goes"),
        e("aggregator-template-scheme", "urlTemplate", nil, "scheme 'http' does not fit kind 'rtmp'", "set \"kind\""),
        e("aggregator-template-missing", "urlTemplate", nil, "is missing, and 2 camera(s) do not set their own ('0001', '0002')", "\"urlTemplate\":"),
        e("aggregator-missing-cameras", "cameras", nil, "is missing", "\"cameras\": [{\"id\": \"0001\"}"),
        e("aggregator-cameras-not-array", "cameras", nil, "is an object, not an array", "\"cameras\": ["),
        e("aggregator-entry-not-object", "cameras[1]", nil, "is a string", "{\"id\": \"0001\"}"),
        e("aggregator-duplicate-id", "cameras[2].id", "0001", "listed twice in this aggregator (also cameras[0])", "another id"),
        e("aggregator-entry-missing-id", "cameras[1].id", nil, "is missing", "\"id\""),
        e("aggregator-entry-bad-id", "id", "a/b", "contains '/'", "archive directory names"),
        e("aggregator-missing-kind", "kind", nil, "is missing, and 2 camera(s)", "\"kind\": \"snapshot\""),
        e("aggregator-missing-interval", "interval", nil, "is missing, and 2 camera(s)", "\"interval\": seconds"),
        e("aggregator-interval-zero", "interval", nil, "is 0; it must be more than 0", "\"interval\""),
        e("aggregator-name-not-string", "aggregator", nil, "is a number (5), not a string", "\"aggregator\": \"dot-east\""),
        e("aggregator-name-empty", "aggregator", nil, "is empty", "\"aggregator\": \"dot-east\""),
        e("aggregator-entry-own-url-scheme", "url", "0001", "scheme 'rtmp' does not fit kind 'snapshot'", "set \"kind\" to \"rtmp\""),
        e("aggregator-entry-kind-override-scheme", "kind", "0001", "scheme 'http' does not fit kind 'rtmp'", "set \"kind\""),
        e("aggregator-entry-interval-negative", "interval", "0001", "is -1; it must be more than 0", "\"interval\""),
        e("aggregator-entry-inline-password", "auth.password", "0001", "inline passwords are not allowed", "\"passwordFile\""),
        e("aggregator-top-level-url", "url", nil, "is set on an aggregator", "\"urlTemplate\" with {id}"),
        e("aggregator-top-level-id", "id", nil, "is set on an aggregator", "inside \"cameras\""),
    ]

    @Test func everyBadFileHasAnExpectation() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: corpusRoot + "/bad")
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
        #expect(files == CorpusTests.bad.map(\.file).sorted())
    }

    @Test(arguments: CorpusTests.bad)
    func badFile(_ x: Expectation) {
        let path = corpusRoot + "/bad/" + x.file + ".json"
        let s = RegistryLoader.validate(paths: [path])
        #expect(s.hasErrors)
        #expect(s.cameras.isEmpty, "an invalid file must contribute no cameras")
        let match = s.errors.first { p in
            p.file == path && p.field == x.field && p.camera == x.camera && p.message.contains(x.message) && p.fix.contains(x.fix)
        }
        #expect(match != nil, "no problem like \(x) in:\n\(s.problems.map(\.description).joined(separator: "\n"))")
        // The printed line carries every part, in order.
        if let match {
            var expectedPrefix = path + ": "
            if let c = x.camera { expectedPrefix += "camera '\(c)': " }
            if let f = x.field { expectedPrefix += "field '\(f)': " }
            #expect(match.description.hasPrefix(expectedPrefix))
            #expect(match.description.contains(" — "))
        }
    }

    /// Messages never show a password, even one that was put where it does not belong.
    @Test func passwordsNeverAppearInProblems() {
        let s = RegistryLoader.validate(paths: [corpusRoot + "/bad", corpusRoot + "/warn"])
        for p in s.problems {
            #expect(!p.description.contains("hunter2"), "\(p)")
            #expect(!p.description.contains("secret@"), "\(p)")
        }
    }

    @Test func goodFilesLoadWithoutProblems() {
        let s = RegistryLoader.validate(paths: [corpusRoot + "/good"])
        #expect(s.problems.isEmpty, "\(s.problems.map(\.description))")
        #expect(s.files.count == 8)
        #expect(s.cameras.count == 11)
        let full = s.cameras["axis-lobby_2.east"]
        #expect(full == Camera(
            id: "axis-lobby_2.east", kind: .snapshot, url: "https://127.0.0.1:8443/snap.jpg?res=640", interval: 0.5,
            auth: .init(user: "viewer", passwordFile: "/etc/camsift/secrets/axis"),
            headers: ["User-Agent": "camsift", "X-Api-Key": "k"], timeout: 3,
            location: .init(lat: -33.86, lon: 151.21, name: "Sydney"), tags: ["indoor", "lobby"], enabled: false))
        #expect(s.cameras["esc"]?.location?.name == "Café 📷 \"north\" \\ side")
        #expect(s.cameras["esc"]?.interval == 10)
        #expect(s.cameras["bom"] != nil)
        #expect(s.cameras["rtsp-v6"]?.kind == .stream)
        #expect(s.cameras["lobby"]?.timeout == Camera.defaultTimeout)
        #expect(s.cameras["lobby"]?.enabled == true)
    }

    /// Per-camera fields override the aggregator's; an entry may bring its own url (and kind).
    @Test func aggregatorDefaultsAndOverrides() {
        let path = corpusRoot + "/good/aggregator.json"
        let s = RegistryLoader.validate(paths: [path])
        #expect(s.problems.isEmpty)
        #expect(s.files[path] == ["0001", "0002", "0003", "0004"])
        let c1 = s.cameras["0001"], c2 = s.cameras["0002"], c3 = s.cameras["0003"], c4 = s.cameras["0004"]
        #expect(c1 == Camera(id: "0001", kind: .snapshot, url: "http://127.0.0.1:8080/agg/0001.jpg", interval: 60,
                             headers: ["Referer": "http://dot.example/"], timeout: 5, tags: ["traffic"], aggregator: "dot-east"))
        #expect(c2?.interval == 15)
        #expect(c2?.tags == ["bridge"])
        #expect(c2?.timeout == 5)
        #expect(c3?.url == "http://127.0.0.1:8080/special/3.jpg")
        #expect(c3?.enabled == false)
        #expect(c4?.kind == .mjpeg)
        #expect(c4?.url == "http://127.0.0.1:8081/cam.mjpg")
        #expect(c4?.headers == [:])
        #expect(c4?.aggregator == "dot-east")
    }

    @Test(arguments: [
        ("unknown-field", "intrval", "did you mean 'interval'?"),
        ("unknown-field", "name", "known fields: id, kind, url, interval"),
        ("url-credentials", "url", "\"passwordFile\""),
        ("auth-unknown-subfield", "auth.realm", "known fields: user, passwordFile"),
        ("aggregator-empty-cameras", "cameras", "add {\"id\": ...} entries"),
        ("location-unknown-subfield", "location.alt", "known fields: lat, lon, name"),
    ])
    func warningsDoNotStopLoading(_ file: String, _ field: String, _ fix: String) {
        let path = corpusRoot + "/warn/" + file + ".json"
        let s = RegistryLoader.validate(paths: [path])
        #expect(!s.hasErrors)
        let w = s.warnings.first { $0.field == field }
        #expect(w?.fix.contains(fix) == true, "\(s.problems.map(\.description))")
        #expect(w?.description.contains(": warning: ") == true)
        if file != "aggregator-empty-cameras" { #expect(s.cameras.count == 1) }
    }

    @Test func warningsDoNotHideCredentials() {
        let s = RegistryLoader.validate(paths: [corpusRoot + "/warn/url-credentials.json"])
        #expect(s.warnings.first?.message.contains("http://***@127.0.0.1/video.mjpg") == true)
        // The camera itself keeps its URL: the worker needs it.
        #expect(s.cameras["w2"]?.url == "http://admin:secret@127.0.0.1/video.mjpg")
    }

    /// Duplicate ids across files: the later file is rejected, and the message names both files.
    @Test func duplicateIdsAcrossFiles() {
        let a = corpusRoot + "/dup/a-first.json", b = corpusRoot + "/dup/b-second.json"
        let s = RegistryLoader.validate(paths: [corpusRoot + "/dup"])
        #expect(s.errors.count == 1)
        let p = s.errors.first
        #expect(p?.file == b)
        #expect(p?.camera == "shared")
        #expect(p?.field == "id")
        #expect(p?.message.contains(a) == true)
        #expect(p?.description.hasPrefix(b + ": camera 'shared': field 'id': is also defined in " + a) == true)
        #expect(s.cameras["shared"]?.url == "http://127.0.0.1:8081/a.mjpg")
        #expect(s.cameras["unique-b"] == nil, "a file with any error is skipped as a whole")
    }

    @Test func missingPathIsAnError() {
        let s = RegistryLoader.validate(paths: ["/nonexistent/camsift-registry"])
        #expect(s.errors.first?.file == "/nonexistent/camsift-registry")
        #expect(s.errors.first?.message == "does not exist")
    }

    /// A generated aggregator with one systematic mistake prints a bounded number of lines.
    @Test func problemsPerFileAreCapped() throws {
        let dir = TestDirectory()
        let entries = (0..<500).map { "{\"id\": \"c\($0)\", \"interval\": -1}" }.joined(separator: ",")
        dir.write("big.json", "{\"aggregator\": \"a\", \"kind\": \"snapshot\", \"urlTemplate\": \"http://127.0.0.1/{id}.jpg\", \"interval\": 1, \"cameras\": [\(entries)]}")
        let s = RegistryLoader.validate(paths: [dir.path])
        #expect(s.problems.count == ProblemSink.cap + 1)
        #expect(s.problems.last?.message == "\(500 - ProblemSink.cap) more problems not shown")
        #expect(s.problems.last?.isError == true)
    }
}
