import Foundation

/// A real PostgreSQL server for one test: a new cluster in a temporary directory, listening on 127.0.0.1
/// at a free port, stopped (and its directory removed) by `stop()`. Run as the `postgres` user when the
/// tests run as root (initdb refuses root).
public final class PostgresServer {
    public let directory: String
    public let port: Int
    public var url: String { "postgres://proj@127.0.0.1:\(port)/postgres" }

    /// The URL of database `name` on this server.
    public func url(database name: String) -> String { "postgres://proj@127.0.0.1:\(port)/\(name)" }
    private let bin: String

    public init() throws {
        let base = "/usr/lib/postgresql"
        guard let version = (try? FileManager.default.contentsOfDirectory(atPath: base))?.sorted().last,
              FileManager.default.isExecutableFile(atPath: "\(base)/\(version)/bin/initdb") else {
            throw ServerError("PostgreSQL server binaries not found under \(base): apt-get install postgresql")
        }
        bin = "\(base)/\(version)/bin"
        directory = "/tmp/proj-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = PostgresServer.freePort()
        if getuid() == 0 { try PostgresServer.run("/bin/chown", ["postgres", directory]) }
        try asOwner("\(bin)/initdb", ["-D", directory + "/data", "-A", "trust", "-U", "proj", "--no-sync"])
        try asOwner("\(bin)/pg_ctl", ["-D", directory + "/data", "-w", "-l", directory + "/log", "-o",
                                     "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
    }

    public func stop() {
        try? asOwner("\(bin)/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func asOwner(_ tool: String, _ arguments: [String]) throws {
        if getuid() == 0 { try PostgresServer.run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments) } else {
            try PostgresServer.run(tool, arguments)
        }
    }

    public struct ServerError: Error, CustomStringConvertible {
        public var description: String
        public init(_ d: String) { description = d }
    }

    /// Runs a tool to completion with posix_spawn and waitpid (Foundation's Process does not notice the exit
    /// of a pg_ctl whose server daemonized), its output in a log file quoted on failure.
    public static func run(_ tool: String, _ arguments: [String]) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("proj-pg-tool-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tool, &actions, nil, argv, environ)
        guard spawned == 0 else { throw ServerError("cannot run \(tool): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            throw ServerError("\(tool) \(arguments.joined(separator: " ")) failed: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
    }

    /// A port the kernel just handed out and released.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
