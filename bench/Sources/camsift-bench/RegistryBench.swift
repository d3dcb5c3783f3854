/// `camsift-bench registry [--cameras N] [--repeat R] [--changes K] [--bin PATH] [--only loader|daemon]`:
/// the registry at 10,000 cameras, in two parts —
/// 1. `RegistryLoadBench`: load/reload in process, against Foundation read+parse as the peer;
/// 2. `RegistryDaemonBench`: the real `camsift run` from the outside: spawn → READY=1, one-file change →
///    RELOADING=1 → READY=1 with the other cameras untouched, against python3 `json.load` as the peer.
enum RegistryBench {
    static func run(_ args: [String]) async throws -> Int32 {
        var only: String?
        var rest: [String] = []
        var i = 0
        while i < args.count {
            if args[i] == "--only", i + 1 < args.count {
                only = args[i + 1]
                i += 2
                continue
            }
            if !["--cameras", "--repeat", "--changes", "--bin"].contains(args[i]) || i + 1 >= args.count {
                print("usage: camsift-bench registry [--cameras N] [--repeat R] [--changes K] [--bin PATH] "
                    + "[--only loader|daemon]")
                return 64
            }
            rest += [args[i], args[i + 1]]
            i += 2
        }
        var status: Int32 = 0
        if only == nil || only == "loader" {
            // The loader part takes only --cameras and --repeat.
            var loaderArgs: [String] = []
            for k in stride(from: 0, to: rest.count, by: 2) where ["--cameras", "--repeat"].contains(rest[k]) {
                loaderArgs += [rest[k], rest[k + 1]]
            }
            status = max(status, try await RegistryLoadBench.run(loaderArgs))
        }
        if only == nil || only == "daemon" {
            status = max(status, try await RegistryDaemonBench.run(rest))
        }
        return status
    }
}
