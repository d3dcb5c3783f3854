import CamsiftCore

/// What a reload changes: cameras to start, stop, restart, and (the point of the exercise) the ones to leave
/// alone. `Camera` is a value, so "unchanged" means every field compares equal.
public struct RegistryDiff: Sendable, Equatable {
    /// New cameras, sorted by id.
    public var added: [Camera]
    /// Ids that are gone, sorted.
    public var removed: [String]
    /// New definitions of cameras whose definition differs, sorted by id.
    public var changed: [Camera]
    /// Ids whose definition is identical, sorted.
    public var unchanged: [String]

    public init(added: [Camera] = [], removed: [String] = [], changed: [Camera] = [], unchanged: [String] = []) {
        self.added = added
        self.removed = removed
        self.changed = changed
        self.unchanged = unchanged
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    public static func between(_ old: [String: Camera], _ new: [String: Camera]) -> RegistryDiff {
        var d = RegistryDiff()
        d.unchanged.reserveCapacity(new.count)
        for (id, cam) in new {
            if let before = old[id] {
                if before == cam { d.unchanged.append(id) } else { d.changed.append(cam) }
            } else {
                d.added.append(cam)
            }
        }
        for id in old.keys where new[id] == nil { d.removed.append(id) }
        d.added.sort { $0.id < $1.id }
        d.changed.sort { $0.id < $1.id }
        d.removed.sort()
        d.unchanged.sort()
        return d
    }
}

extension RegistryDiff: CustomStringConvertible {
    /// `+2 -1 ~3 =9994` for the operational log line of a reload.
    public var description: String {
        "+\(added.count) -\(removed.count) ~\(changed.count) =\(unchanged.count)"
    }
}
