import CamsiftCore

/// Combines per-file parse results into one registry: resolves ids defined by more than one file, and lets
/// cameras of skipped (invalid) files keep their previous definition.
enum RegistryAssembler {
    struct Input {
        var path: String
        var parsed: ParsedFile
    }

    static func assemble(_ inputs: [Input], previous: RegistrySnapshot?, extraProblems: [RegistryProblem] = []) -> RegistrySnapshot {
        var owner: [String: Int] = [:]
        owner.reserveCapacity(inputs.reduce(0) { $0 + $1.parsed.cameras.count })
        var claimants: [String: [Int]] = [:]
        for (i, input) in inputs.enumerated() where !input.parsed.hasErrors {
            for cam in input.parsed.cameras {
                if let o = owner[cam.id] { claimants[cam.id, default: [o]].append(i) } else { owner[cam.id] = i }
            }
        }
        let duplicateProblems = claimants.isEmpty ? [:] : resolveDuplicates(inputs, claimants, previous: previous)

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

    /// Decides which of the files that share ids load; returns the problems of the ones that do not.
    ///
    /// Files are accepted greedily, each only if none of its ids is taken by a file accepted before it, so
    /// every rejection names a file that really has the id. Order: files that do not claim an id still held
    /// by its previous owner come first (a new or edited file cannot take over a running camera), then file
    /// name order. A rejected file is skipped like any invalid file: its cameras keep their last definition.
    private static func resolveDuplicates(_ inputs: [Input], _ claimants: [String: [Int]],
                                          previous: RegistrySnapshot?) -> [Int: [RegistryProblem]] {
        var previousOwner: [String: String] = [:]
        for (path, ids) in previous?.files ?? [:] { for id in ids where claimants[id] != nil { previousOwner[id] = path } }
        let contested = Set(claimants.values.joined())
        func steals(_ i: Int) -> Bool {
            inputs[i].parsed.cameras.contains { cam in
                guard let holder = previousOwner[cam.id], holder != inputs[i].path else { return false }
                return claimants[cam.id]?.contains { inputs[$0].path == holder } == true
            }
        }
        let order = contested.sorted { a, b in
            let (sa, sb) = (steals(a), steals(b))
            return sa != sb ? !sa : a < b
        }
        var taken: [String: Int] = [:]
        var problems: [Int: [RegistryProblem]] = [:]
        for i in order {
            let conflicts = inputs[i].parsed.cameras.filter { taken[$0.id] != nil }
            if conflicts.isEmpty {
                for cam in inputs[i].parsed.cameras { taken[cam.id] = i }
                continue
            }
            problems[i] = conflicts.map { cam in
                RegistryProblem(
                    file: inputs[i].path, camera: cam.id, field: "id",
                    message: "is also defined in \(inputs[taken[cam.id]!].path)",
                    fix: "ids must be unique across the registry (they name archive directories): rename the camera in one of the two files or remove one of them")
            }
        }
        return problems
    }
}
