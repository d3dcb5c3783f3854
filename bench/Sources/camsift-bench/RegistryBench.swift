/// `camsift-bench registry [--cameras N] [--repeat R] [--changes K] [--bin PATH] [--only loader|daemon]`:
/// the registry at 10,000 cameras, in two parts —
/// 1. `RegistryLoaderBench`: load/reload in process, against Foundation read+parse as the peer;
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
            status = max(status, try await RegistryLoaderBench.run(rest))
        }
        if only == nil || only == "daemon" {
            status = max(status, try await RegistryDaemonBench.run(rest))
        }
        return status
    }
}
