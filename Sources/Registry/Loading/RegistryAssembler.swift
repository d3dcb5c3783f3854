import CamsiftCore

/// Combines per-file parse results into one registry: resolves ids defined by more than one file, and lets
/// cameras of skipped (invalid) files keep their previous definition.
enum RegistryAssembler {
    struct Input {
        var path: String
        var parsed: ParsedFile
    }

    static func assemble(_ inputs: [Input], previous: RegistrySnapshot?, extraProblems: [RegistryProblem] = []) -> RegistrySnapshot {
        // First claim wins, unless the id's previous owner is among the claimants: a new file cannot take
        // over a running camera by sorting earlier.
        var owner: [String: Int] = [:]
        owner.reserveCapacity(inputs.reduce(0) { $0 + $1.parsed.cameras.count })
        var claimants: [String: [Int]] = [:]
        for (i, input) in inputs.enumerated() where !input.parsed.hasErrors {
            for cam in input.parsed.cameras {
                if let o = owner[cam.id] { claimants[cam.id, default: [o]].append(i) } else { owner[cam.id] = i }
            }
        }
        var duplicateProblems: [Int: [RegistryProblem]] = [:]
        if !claimants.isEmpty {
            var previousOwner: [String: String] = [:]
            for (path, ids) in previous?.files ?? [:] { for id in ids { previousOwner[id] = path } }
            for id in claimants.keys.sorted() {
                let c = claimants[id]!
                let winner = c.first(where: { inputs[$0].path == previousOwner[id] }) ?? c[0]
                for loser in c where loser != winner {
                    duplicateProblems[loser, default: []].append(RegistryProblem(
                        file: inputs[loser].path, camera: id, field: "id",
                        message: "is also defined in \(inputs[winner].path)",
                        fix: "ids must be unique across the registry (they name archive directories): rename the camera in one of the two files or remove one of them"))
                }
            }
        }

        var snapshot = RegistrySnapshot()
        snapshot.cameras.reserveCapacity(owner.count)
        snapshot.files.reserveCapacity(inputs.count)
        snapshot.cache.reserveCapacity(inputs.count)
        snapshot.problems = extraProblems
        var skipped: [Int] = []
        for (i, input) in inputs.enumerated() {
            snapshot.problems += input.parsed.problems
            if let dups = duplicateProblems[i] { snapshot.problems += dups }
            if input.parsed.stamp != nil { snapshot.cache[input.path] = input.parsed }
            if input.parsed.hasErrors || duplicateProblems[i] != nil {
                skipped.append(i)
                continue
            }
            var ids: [String] = []
            ids.reserveCapacity(input.parsed.cameras.count)
            for cam in input.parsed.cameras {
                snapshot.cameras[cam.id] = cam
                ids.append(cam.id)
            }
            snapshot.files[input.path] = ids
        }
        for i in skipped {
            let path = inputs[i].path
            var kept: [String] = []
            if let previous, let ids = previous.files[path] {
                for id in ids where snapshot.cameras[id] == nil {
                    guard let cam = previous.cameras[id] else { continue }
                    snapshot.cameras[id] = cam
                    kept.append(id)
                }
            }
            snapshot.files[path] = kept
            if !kept.isEmpty {
                snapshot.problems.append(RegistryProblem(
                    file: path, message: "file skipped; its \(kept.count) camera(s) keep their last valid definition",
                    fix: "fix the errors above; the file is picked up again on the next reload", severity: .warning))
            }
        }
        return snapshot
    }
}
