import Foundation
import Testing

/// Every command declares its options once (an `OptionSpec` table); `camsift help --options CMD` prints that
/// table. These tests hold the help text and the parser to it: every declared option is documented by
/// `camsift CMD --help` and accepted by the parser, and anything else is refused with a message naming it.
@Suite struct CommandOptionsTests {
    static let commands = ["run", "validate", "tail", "cameras", "status", "retrain", "rollback", "label", "classify", "train",
                           "eval", "probe", "grab", "propagate"]

    struct Declared {
        var name: String
        var valueName: String?
        var aliases: [String]
    }

    /// `--name VALUE -a` lines of `camsift help --options CMD`.
    static func declared(_ command: String, in dir: TempDir) async throws -> [Declared] {
        let r = try await camsift(["help", "--options", command], in: dir)
        #expect(r.status == 0, "\(r.err)")
        return r.out.split(separator: "\n").map { line in
            let words = line.split(separator: " ").map(String.init)
            let value = words.count > 1 && !words[1].hasPrefix("-") ? words[1] : nil
            return Declared(name: words[0], valueName: value, aliases: Array(words.dropFirst(value == nil ? 1 : 2)))
        }
    }

    @Test func helpListsEveryCommand() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let r = try await camsift(["help"], in: dir)
        #expect(r.status == 0)
        let listed = r.out.split(separator: "\n").filter { $0.hasPrefix("  ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(listed == Self.commands, "add the new command to CommandOptionsTests.commands")
    }

    @Test(arguments: commands)
    func everyDeclaredOptionIsDocumentedAndParsed(_ command: String) async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let options = try await Self.declared(command, in: dir)
        #expect(!options.isEmpty)
        let help = try await camsift([command, "--help"], in: dir)
        #expect(help.status == 0, "\(help.err)")
        #expect(help.out.hasPrefix("usage: camsift \(command) "))
        let viaHelp = try await camsift(["help", command], in: dir)
        let short = try await camsift([command, "-h"], in: dir)
        #expect(viaHelp.out == help.out && short.out == help.out && short.status == 0)
        for o in options {
            #expect(o.name.hasPrefix("--"))
            #expect(help.out.contains(o.name + (o.valueName.map { " " + $0 } ?? "")),
                    "'\(command) --help' does not document \(o.name)")
            for alias in o.aliases { #expect(help.out.contains(alias + ", ") || help.out.contains(alias + "|")) }
            // Parsing stops at the first unknown option: when it names the sentinel, the option was accepted.
            for spelling in [o.name] + o.aliases {
                let args = o.valueName == nil ? [spelling] : [spelling, "1"]
                let r = try await camsift([command] + args + ["--zz-sentinel"], in: dir)
                #expect(r.status == 64, "\(command) \(spelling): \(r.err)")
                #expect(r.err.contains("unknown option '--zz-sentinel'"), "\(command) \(spelling): \(r.err)")
            }
            if o.valueName != nil {
                let r = try await camsift([command, o.name + "=1", "--zz-sentinel"], in: dir)
                #expect(r.err.contains("unknown option '--zz-sentinel'"), "\(command) \(o.name)=1: \(r.err)")
            }
        }
    }

    @Test(arguments: commands)
    func unknownOptionIsRefusedByName(_ command: String) async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        for bad in ["--no-such-option", "--no-such-option=3", "-Z"] {
            let r = try await camsift([command, bad], in: dir)
            #expect(r.status == 64, "\(command) \(bad): \(r.err)")
            #expect(r.err.contains("camsift \(command): unknown option '\(bad)'"), "\(r.err)")
            #expect(r.err.contains("usage: camsift \(command) "))
            #expect(r.out.isEmpty)
        }
    }

    /// Defaults are stated in the help, from the same constants the commands use.
    @Test(arguments: [
        ("classify", "--top N", "(default: 5)"), ("classify", "--threads N", "(default: 2)"),
        ("tail", "-n, --lines N", "(default: 10)"), ("grab", "--timeout S", "(default: 60)"),
        ("probe", "--interval SECONDS", "(default: 10)"), ("probe", "--prefer mjpeg|snapshot", "(default: snapshot)"),
        ("train", "--iterations N", "(default: 15)"), ("train", "--split T/R/E", "(default: 70/10/20)"), ("train", "--lr LR", "(default: 0.05,"),
        ("eval", "--seed S", "(default: 1)"), ("run", "--state DIR", "else /var/lib/camsift)"),
        ("validate", "--config FILE", "(default: /etc/camsift/camsift.json)"),
    ])
    func helpStatesDefaults(_ command: String, _ option: String, _ text: String) async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let help = try await camsift([command, "--help"], in: dir).out
        // The option's row and its continuation lines (indented deeper than the rows).
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("  " + option + " ") || $0 == "  " + option }, "\(help)")
        var entry = lines[start]
        for line in lines[(start + 1)...] {
            guard line.hasPrefix("   ") else { break }
            entry += " " + line
        }
        let words = entry.split(separator: " ").joined(separator: " ")
        #expect(words.contains(text), "\(words)")
    }

    // MARK: one config loader

    /// A config the daemon refuses is refused the same way by every command that reads it.
    @Test(arguments: [["cameras"], ["status"], ["retrain"], ["rollback"], ["tail"], ["grab", "cam-1", "--frames", "1", "--out", "/nonexistent-camsift-test/o"]])
    func badConfigIsTheDaemonsConfigError(_ command: [String]) async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.write("bad.json", "{\"batch\": 0, \"state\": \"\(dir.file("s"))\"}")
        let r = try await camsift(command + ["--config", dir.file("bad.json")], in: dir)
        #expect(r.status == 78, "\(r.err)")
        #expect(r.err.contains("camsift \(command[0]): config '\(dir.file("bad.json"))' is not usable"), "\(r.err)")
        #expect(r.err.contains("batch"), "\(r.err)")
        let missing = try await camsift(command + ["--config", dir.file("none.json")], in: dir)
        #expect(missing.status == 78, "\(missing.err)")
        #expect(missing.err.contains("does not exist"), "\(missing.err)")
    }

    @Test func camerasReadsStateFromTheConfig() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.mkdir("s")
        dir.write("s/cameras.json", "[]")
        dir.write("c.json", "{\"state\": \"\(dir.file("s"))\", \"unknownKey\": 1}")
        let r = try await camsift(["cameras", "--config", dir.file("c.json")], in: dir)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("0 cameras"), "\(r.out)")
        // --state overrides the config's field, as for `camsift run`.
        let other = try await camsift(["cameras", "--config", dir.file("c.json"), "--state", dir.file("elsewhere")], in: dir)
        #expect(other.status == 66 && other.err.contains(dir.file("elsewhere") + "/cameras.json"), "\(other.err)")
    }

    @Test func grabFindsCamerasThroughTheConfig() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.mkdir("cams")
        dir.write("c.json", "{\"cameras\": \"\(dir.file("cams"))\"}")
        let r = try await camsift(["grab", "nope", "--frames", "1", "--out", dir.file("o"), "--config", dir.file("c.json")],
                                  in: dir)
        #expect(r.status == 64, "\(r.err)")
        #expect(r.err.contains("no camera 'nope' in registry directory '\(dir.file("cams"))'"), "\(r.err)")
    }
}
