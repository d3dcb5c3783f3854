#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// contrib/prometheus and contrib/grafana against promtool and a real daemon's /metrics.
@Suite("deploy: Prometheus rules and Grafana dashboard", .serialized)
struct DeployMonitoringTests {
    static let rules = packageRoot + "/contrib/prometheus/camsift-alerts.yml"
    static let ruleTests = packageRoot + "/contrib/prometheus/camsift-alerts.test.yml"
    static let dashboard = packageRoot + "/contrib/grafana/camsift.json"

    @Test("promtool check rules and promtool test rules pass")
    func promtoolRules() async throws {
        let promtool = try #require(Deploy.which("promtool"), "promtool is missing: `make deps` installs Debian's prometheus")
        let dir = TempDir("camsift-promtool")
        defer { dir.cleanup() }
        let check = try await Deploy.run([promtool, "check", "rules", Self.rules], in: dir)
        #expect(check.status == 0, "\(check.out)\(check.err)")
        #expect(check.out.contains("SUCCESS"), "\(check.out)")
        // `test rules` resolves rule_files relative to the test file.
        let test = try await Deploy.run([promtool, "test", "rules", Self.ruleTests], in: dir)
        #expect(test.status == 0, "\(test.out)\(test.err)")
        #expect(test.out.contains("SUCCESS"), "\(test.out)")
    }

    @Test("the dashboard is valid JSON with panels and queries")
    func dashboardParses() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.dashboard))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(root["title"] as? String == "camsift")
        let panels = try #require(root["panels"] as? [[String: Any]])
        let queries = panels.flatMap { ($0["targets"] as? [[String: Any]]) ?? [] }.compactMap { $0["expr"] as? String }
        #expect(panels.count >= 10)
        #expect(queries.count >= 20)
        #expect(queries.allSatisfy { $0.contains("camsift_") })
    }

    @Test("every metric of the rules and the dashboard is on a live daemon's /metrics; promtool check metrics passes")
    func namesExistInLiveScrape() async throws {
        let promtool = try #require(Deploy.which("promtool"), "promtool is missing: `make deps` installs Debian's prometheus")
        #expect(FileManager.default.fileExists(atPath: Deploy.effnet), "no ImageNet model at \(Deploy.effnet): run `make weights`")
        let dir = TempDir("camsift-scrape")
        defer { dir.cleanup() }
        dir.mkdir("www")
        dir.mkdir("cameras")
        for (i, p) in Deploy.photos.prefix(3).enumerated() {
            try FileManager.default.copyItem(atPath: Deploy.photoDir + "/" + p, toPath: dir.file("www/c\(i).jpg"))
        }
        let nginx = try await LocalNginx(root: dir.file("www"), in: dir)
        // An aggregator of two cameras, one lone camera, and one whose path is missing (404: offline).
        dir.write("cameras/agg.json", """
            {"aggregator": "local-agg", "kind": "snapshot", "urlTemplate": "\(nginx.url("{id}.jpg"))", "interval": 1,
             "cameras": [{"id": "c0"}, {"id": "c1"}]}
            """)
        dir.write("cameras/c2.json", "{\"id\": \"c2\", \"kind\": \"snapshot\", \"url\": \"\(nginx.url("c2.jpg"))\", \"interval\": 1}")
        dir.write("cameras/gone.json", "{\"id\": \"gone\", \"kind\": \"snapshot\", \"url\": \"\(nginx.url("gone.jpg"))\", \"interval\": 1}")
        dir.write("camsift.json", """
            {"cameras": "\(dir.file("cameras"))", "state": "\(dir.file("state"))", "log": "\(dir.file("log.jsonl"))",
             "archive": "\(dir.file("archive"))", "models": "\(dir.file("models"))", "console": "127.0.0.1:0"}
            """)
        let d = try Child(camsiftBinary, ["run", "--config", dir.file("camsift.json")],
                          environment: ["CAMSIFT_EFFNET": Deploy.effnet], in: dir, tag: "daemon")
        defer { if d.process.isRunning { d.signal(SIGKILL) } }
        // Bounded: every delivering camera classified at least once.
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline && Set(Deploy.loggedCameras(dir.file("log.jsonl"))).count < 3 && d.process.isRunning {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(Set(Deploy.loggedCameras(dir.file("log.jsonl"))) == ["c0", "c1", "c2"], "\(d.stderr)")
        let port = try #require(Deploy.metricsPort(d.stderr), "no metrics line in: \(d.stderr)")
        let scrape = try await Deploy.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1:\(port)/metrics"], in: dir)
        #expect(scrape.status == 0, "\(scrape.err)")
        dir.write("scrape.txt", scrape.out)
        d.signal(SIGTERM)
        #expect(await d.wait(timeout: 15) == 0)
        await nginx.stop()

        let exposed = Deploy.exposedNames(scrape.out)
        let used = Deploy.camsiftMetricNames(in: readText(Self.rules))
            .union(Deploy.camsiftMetricNames(in: readText(Self.dashboard)))
        #expect(used.count >= 20)
        let missing = used.subtracting(exposed).sorted()
        #expect(missing.isEmpty, "used by the rules or the dashboard but not on /metrics: \(missing)")
        // The aggregator reaches /metrics (the aggregator alert joins on it).
        #expect(scrape.out.contains("camsift_camera_info{camera=\"c0\",kind=\"snapshot\",aggregator=\"local-agg\"} 1"))
        #expect(scrape.out.contains("camsift_camera_info{camera=\"c2\",kind=\"snapshot\",aggregator=\"\"} 1"))

        let lint = try await Deploy.run(["sh", "-c", "\(promtool) check metrics < \(dir.file("scrape.txt"))"], in: dir)
        #expect(lint.status == 0, "promtool check metrics: \(lint.out)\(lint.err)")
    }
}

/// N = 3 shards over one registry of local cameras: every camera is classified by exactly one shard, before and
/// after the registry changes.
@Suite("deploy: three shards over one registry", .serialized)
struct DeployShardTests {
    static let n = 3

    @Test("12 cameras over 3 shards: each classified by exactly one (its FNV shard); again after adding and removing one")
    func threeShards() async throws {
        #expect(FileManager.default.fileExists(atPath: Deploy.effnet), "no ImageNet model at \(Deploy.effnet): run `make weights`")
        let dir = TempDir("camsift-shards")
        defer { dir.cleanup() }
        dir.mkdir("www")
        dir.mkdir("cameras")
        let ids = (0..<13).map { String(format: "cam-%02d", $0) }
        for (i, id) in ids.enumerated() {
            try FileManager.default.copyItem(atPath: Deploy.photoDir + "/" + Deploy.photos[i], toPath: dir.file("www/\(id).jpg"))
        }
        let nginx = try await LocalNginx(root: dir.file("www"), in: dir)
        func writeCamera(_ id: String) {
            dir.write("cameras/\(id).json.tmp", "{\"id\": \"\(id)\", \"kind\": \"snapshot\", \"url\": \"\(nginx.url("\(id).jpg"))\", \"interval\": 1}\n")
            rename(dir.file("cameras/\(id).json.tmp"), dir.file("cameras/\(id).json"))
        }
        var registry = Array(ids.prefix(12))
        for id in registry { writeCamera(id) }
        // Every shard has some cameras, before and after the change (else the test proves less).
        for k in 1...Self.n {
            #expect(registry.contains { Deploy.shard(of: $0, count: Self.n) == k })
        }

        var daemons: [Child] = []
        defer { for d in daemons where d.process.isRunning { d.signal(SIGKILL) } }
        for k in 1...Self.n {
            dir.write("shard\(k).json", """
                {"cameras": "\(dir.file("cameras"))", "state": "\(dir.file("state-\(k)"))", "log": "\(dir.file("log-\(k).jsonl"))",
                 "archive": "\(dir.file("archive-\(k)"))", "models": "\(dir.file("models-\(k)"))", "console": "127.0.0.1:0",
                 "decodeThreads": 1, "computeThreads": 1}
                """)
            daemons.append(try Child(camsiftBinary, ["run", "--config", dir.file("shard\(k).json"), "--shard", "\(k)/\(Self.n)"],
                                     environment: ["CAMSIFT_EFFNET": Deploy.effnet], in: dir, tag: "shard\(k)"))
        }
        for (i, d) in daemons.enumerated() {
            #expect(await d.waitForStderr("shard \(i + 1)/\(Self.n)", timeout: 120), "\(d.stderr)")
        }
        let logs = (1...Self.n).map { dir.file("log-\($0).jsonl") }

        /// Waits (bounded) until every camera of `expected` has a line after `from` (line counts per log) in some
        /// log, then checks that each is in exactly one log, that log being its FNV shard's, and that no other
        /// camera (`absent`) was logged since `from`.
        func check(_ phase: String, expected: [String], absent: [String], from: [Int]) async {
            func since() -> [[String]] { logs.enumerated().map { Array(Deploy.loggedCameras($0.element).dropFirst(from[$0.offset])) } }
            let deadline = Date().addingTimeInterval(150)
            while Date() < deadline {
                let seen = Set(since().flatMap { $0 })
                if Set(expected).isSubset(of: seen) { break }
                try? await Task.sleep(for: .milliseconds(250))
            }
            let perLog = since().map(Set.init)
            for id in expected {
                let shards = (1...Self.n).filter { perLog[$0 - 1].contains(id) }
                #expect(shards == [Deploy.shard(of: id, count: Self.n)], "\(phase): camera \(id) classified by shard(s) \(shards)")
            }
            for id in absent {
                #expect(!perLog.contains { $0.contains(id) }, "\(phase): camera \(id) classified although it is not in the registry")
            }
            let unknown = perLog.reduce(Set<String>()) { $0.union($1) }.subtracting(expected)
            #expect(unknown.isEmpty, "\(phase): unexpected cameras \(unknown)")
        }
        await check("start", expected: registry, absent: [], from: [0, 0, 0])

        // Change the registry: remove cam-00, add cam-12 (inotify; each shard reloads on its own).
        let removed = registry.removeFirst()
        let removedOwner = Deploy.shard(of: removed, count: Self.n)
        unlink(dir.file("cameras/\(removed).json"))
        #expect(await daemons[removedOwner - 1].waitForStderr("camera '\(removed)': stopped", timeout: 60),
                "\(daemons[removedOwner - 1].stderr)")
        let added = ids[12]
        writeCamera(added)
        registry.append(added)
        let addedOwner = Deploy.shard(of: added, count: Self.n)
        #expect(await daemons[addedOwner - 1].waitForStderr("camera '\(added)': started", timeout: 60),
                "\(daemons[addedOwner - 1].stderr)")
        // Give the other shards' reloads a moment, then make every camera deliver a new frame: each serves the
        // next camera's photo now (a changed ETag and a changed scene, so each is fetched and classified again).
        try await Task.sleep(for: .seconds(2))
        let marks = logs.map { Deploy.loggedCameras($0).count }
        for (i, id) in ids.enumerated() {
            try atomicCopy(Deploy.photoDir + "/" + Deploy.photos[(i + 1) % Deploy.photos.count], dir.file("www/\(id).jpg"))
        }
        await check("after the change", expected: registry, absent: [removed], from: marks)

        for d in daemons { d.signal(SIGTERM) }
        for d in daemons { #expect(await d.wait(timeout: 15) == 0, "\(d.stderr)") }
        await nginx.stop()
    }
}

/// The Debian package `make deb` builds (make test passes it as CAMSIFT_DEB): contents, Depends, maintainer
/// scripts, lintian without errors, and the packaged binary classifying with the packaged model.
@Suite("deploy: Debian package", .serialized,
       .enabled(if: Deploy.which("lintian") != nil && Deploy.which("dpkg-deb") != nil,
                "lintian or dpkg-deb missing (`make deps` installs Debian's lintian and dpkg-dev)"))
struct DeployPackageTests {
    static var deb: String? {
        if let d = ProcessInfo.processInfo.environment["CAMSIFT_DEB"], !d.isEmpty { return d }
        let built = (try? FileManager.default.contentsOfDirectory(atPath: packageRoot)) ?? []
        return built.filter { $0.hasPrefix("camsift_") && $0.hasSuffix(".deb") }.sorted().last.map { packageRoot + "/" + $0 }
    }

    @Test("contents, Depends, conffiles, scripts, lintian, and the packaged binary runs")
    func package() async throws {
        let deb = try #require(Self.deb, "no camsift_*.deb: run `make deb` (or set CAMSIFT_DEB)")
        try #require(FileManager.default.fileExists(atPath: deb), "\(deb) does not exist: run `make deb`")
        let dir = TempDir("camsift-deb")
        defer { dir.cleanup() }

        let list = try await Deploy.run(["dpkg", "-c", deb], in: dir)
        #expect(list.status == 0, "\(list.err)")
        for path in ["./usr/bin/camsift", "./lib/systemd/system/camsift.service", "./lib/systemd/system/camsift@.service",
                     "./etc/camsift/camsift.json", "./etc/camsift/cameras/demo-snapshot.json",
                     "./usr/share/camsift/imagenet.csm", "./usr/share/doc/camsift/copyright",
                     "./usr/share/doc/camsift/README.md", "./usr/share/doc/camsift/contrib/prometheus/camsift-alerts.yml",
                     "./usr/share/doc/camsift/contrib/grafana/camsift.json"] {
            #expect(list.out.contains(" \(path)\n"), "dpkg -c lacks \(path)")
        }
        #expect(!list.out.contains("/usr/local"), "a Debian package installs nothing under /usr/local")

        let depends = try await Deploy.run(["dpkg-deb", "-f", deb, "Depends"], in: dir)
        for lib in ["adduser", "libc6", "libcurl4", "libavformat", "libavcodec", "libswscale", "libturbojpeg0",
                    "libopenblas0", "libmicrohttpd12", "librtmp1"] {
            #expect(depends.out.contains(lib), "Depends lacks \(lib): \(depends.out)")
        }
        #expect(!depends.out.contains("swift"), "the Swift runtime is linked in, not a dependency: \(depends.out)")

        let control = dir.file("control")
        #expect(try await Deploy.run(["dpkg-deb", "-e", deb, control], in: dir).status == 0)
        #expect(readText(control + "/conffiles").contains("/etc/camsift/camsift.json\n"))
        for script in ["postinst", "prerm", "postrm"] {
            #expect(try await Deploy.run(["sh", "-n", control + "/" + script], in: dir).status == 0, "\(script) syntax")
        }
        #expect(readText(control + "/postinst").contains("adduser --system"))
        #expect(readText(control + "/postinst").contains("daemon-reload"))

        let lintian = try await Deploy.run(["lintian", "--tag-display-limit", "0", deb], in: dir, timeout: 300)
        let errors = lintian.out.split(separator: "\n").filter { $0.hasPrefix("E: ") }
        #expect(lintian.status == 0 && errors.isEmpty, "lintian: \(lintian.out)\(lintian.err)")

        // The packaged binary needs no toolchain: only Debian libraries, and it classifies with the packaged model.
        let root = dir.file("root")
        #expect(try await Deploy.run(["dpkg-deb", "-x", deb, root], in: dir).status == 0)
        let ldd = try await Deploy.run(["ldd", root + "/usr/bin/camsift"], in: dir)
        #expect(!ldd.out.contains("swift") && !ldd.out.contains("not found"), "\(ldd.out)")
        let unit = readText(root + "/lib/systemd/system/camsift.service")
        #expect(unit.contains("ExecStart=/usr/bin/camsift run"))
        #expect(unit.contains("Environment=CAMSIFT_EFFNET=/usr/share/camsift/imagenet.csm"))
        let c = try Child(root + "/usr/bin/camsift", ["classify", "--top", "1", Deploy.photoDir + "/squirrel_cls.jpg"],
                          environment: ["CAMSIFT_EFFNET": root + "/usr/share/camsift/imagenet.csm", "LD_LIBRARY_PATH": ""],
                          in: dir, tag: "classify")
        #expect(await c.wait(timeout: 60) == 0, "\(c.stderr)")
        #expect(c.stdout.contains("fox squirrel"), "\(c.stdout)")
    }
}
