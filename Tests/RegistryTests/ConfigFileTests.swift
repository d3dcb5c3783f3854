import CamsiftCore
import Testing
@testable import Registry

@Suite struct ConfigFileTests {
    @Test func emptyObjectIsAllDefaults() throws {
        let dir = TestDirectory("config")
        let path = dir.write("camsift.json", "{}")
        let (c, warnings) = try ConfigFile.load(path: path)
        #expect(c == CamsiftConfig())
        #expect(warnings.isEmpty)
    }

    @Test func readsValuesAndWarnsOnUnknownKeys() throws {
        let dir = TestDirectory("config")
        let path = dir.write("camsift.json", """
            {"cameras": "/srv/cams", "batch": 8, "gateThreshold": 1.5, "archiveFrames": true, "shard": "2/4",
             "retrainEvery": "24h", "retrainFineTuneBlocks": 0, "metrics": "", "bacth": 4}
            """)
        let (c, warnings) = try ConfigFile.load(path: path)
        #expect(c.cameras == "/srv/cams")
        #expect(c.batch == 8)
        #expect(c.gateThreshold == 1.5)
        #expect(c.archiveFrames)
        #expect(c.shard == "2/4")
        #expect(c.retrainFineTuneBlocks == 0 && CamsiftConfig().retrainFineTuneBlocks == -1)
        #expect(warnings.count == 1)
        #expect(warnings.first?.field == "bacth")
        #expect(warnings.first?.severity == .warning)
        #expect(warnings.first?.fix.contains("did you mean 'batch'?") == true)
    }

    private func problems(_ text: String) -> [RegistryProblem] {
        let dir = TestDirectory("config")
        let path = dir.write("camsift.json", text)
        do {
            _ = try ConfigFile.load(path: path)
            return []
        } catch let e as RegistryError {
            #expect(e.code == .invalidConfig)
            return e.problems
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    @Test(arguments: [
        ("{\"batch\": \"16\"}", "batch", "without quotes: \"batch\": 16"),
        ("{\"batch\": 1.5}", "batch", "\"batch\": 16"),
        ("{\"archiveFrames\": 1}", "archiveFrames", "\"archiveFrames\": true"),
        ("{\"cameras\": 5}", "cameras", "\"cameras\": \"...\""),
        ("{\"fit\": \"stretch\"}", "fit", "\"crop\" or \"letterbox\""),
        ("{\"batch\": 0}", "batch", "e.g. 16"),
        ("{\"computeThreads\": 0}", "computeThreads", "1 or more"),
        ("{\"shard\": \"5/4\"}", "shard", "\"1/4\""),
        ("{\"metrics\": \"localhost\"}", "metrics", "127.0.0.1:9464"),
        ("{\"retrainEvery\": \"daily\"}", "retrainEvery", "\"24h\""),
        ("{\"propagateAfterLabels\": \"often\"}", "propagateAfterLabels", "\"10m\""),
        ("{\"retrainFineTuneBlocks\": 17}", "retrainFineTuneBlocks", "0 (level 1"),
        ("{\"retrainFineTuneBlocks\": \"2\"}", "retrainFineTuneBlocks", "without quotes"),
        ("{\"archiveMaxDays\": -1}", "archiveMaxDays", "0 or more"),
        ("{\"windowStride\": 0}", "windowStride", "a window event every 10 frames"),
        ("{\"log\": \"\"}", "log", "set it to a path"),
    ])
    func rejectsBadValues(_ text: String, _ field: String, _ fix: String) {
        let p = problems(text)
        #expect(p.contains { $0.field == field && $0.isError && $0.fix.contains(fix) }, "\(p.map(\.description))")
    }

    /// The accepted ranges are `CamsiftConfig.Limits`, the same constants the components the fields feed use.
    @Test(arguments: [
        ("inputSize", CamsiftConfig.Limits.inputSize),
        ("batch", CamsiftConfig.Limits.batch),
        ("decodeThreads", CamsiftConfig.Limits.decodeThreads),
        ("retrainFineTuneBlocks", CamsiftConfig.Limits.retrainFineTuneBlocks),
        ("windowStride", CamsiftConfig.Limits.windowStride),
    ])
    func rangesAreTheSharedLimits(_ field: String, _ range: ClosedRange<Int>) throws {
        let dir = TestDirectory("config")
        for ok in [range.lowerBound, range.upperBound] {
            let path = dir.write("camsift.json", "{\"\(field)\": \(ok)}")
            #expect(throws: Never.self) { _ = try ConfigFile.load(path: path) }
        }
        for bad in [range.lowerBound - 1, range.upperBound + 1] {
            let p = problems("{\"\(field)\": \(bad)}")
            #expect(p.contains { $0.field == field && $0.isError && $0.message.contains("outside \(range)") }, "\(p.map(\.description))")
        }
    }

    @Test func smallModelInputSizesAreAccepted() throws {
        // Trained small models take 28 px inputs; the config must accept what the frame path serves.
        let dir = TestDirectory("config")
        let path = dir.write("camsift.json", "{\"inputSize\": 28, \"computeThreads\": 1, \"maxWaitMs\": 0}")
        #expect(try ConfigFile.load(path: path).0.inputSize == 28)
        #expect(CamsiftConfig.Limits.inputSize.contains(CamsiftConfig().inputSize))
        #expect(CamsiftConfig.Limits.batch.contains(CamsiftConfig().batch))
        #expect(CamsiftConfig.Limits.decodeThreads.contains(CamsiftConfig().decodeThreads))
    }

    @Test func syntaxErrorHasLineAndColumn() {
        let p = problems("{\n  \"batch\": 16,\n  \"fit\" \"crop\"\n}\n")
        #expect(p.first?.message.hasPrefix("invalid JSON at line 3, column 9") == true, "\(p)")
    }

    @Test func missingFileIsNotFound() {
        #expect {
            _ = try ConfigFile.load(path: "/nonexistent/camsift.json")
        } throws: { e in
            (e as? RegistryError)?.code == .notFound
        }
    }
}
