import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real S3-compatible server for one test: moto's (`.build/test-venvs/s3`, which `.ci/run` fills), on a
/// free loopback port, stopped by `stop()`.
public final class MotoServer {
    public let port = PostgresServer.freePort()
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    /// The server's process, which leads a session of its own so that stopping it reaches all it started.
    private var pid: pid_t = 0

    /// `environment` is added to the server's (`INITIAL_NO_AUTH_ACTION_COUNT=0` makes it check credentials).
    public init(environment: [String: String] = [:]) throws {
        let venv = MotoServer.packageRoot + "/.build/test-venvs/s3"
        let server = venv + "/bin/moto_server"
        if !FileManager.default.isExecutableFile(atPath: server) {
            if !FileManager.default.isExecutableFile(atPath: venv + "/bin/pip") { try PostgresServer.run("/usr/bin/env", ["python3", "-m", "venv", venv]) }
            try PostgresServer.run(venv + "/bin/pip", ["install", "-q", "moto[server]"])
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(0x80)) // POSIX_SPAWN_SETSID
        let arguments: [String] = [server, "-H", "127.0.0.1", "-p", String(port)]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        let spawned = posix_spawn(&pid, server, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw PostgresServer.ServerError("cannot start \(server): error \(spawned)") }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if MotoServer.accepts(port) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw PostgresServer.ServerError("moto_server did not answer on \(endpoint) within 30 s")
    }

    /// The package's root directory (where `.build` is).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Ends the server's whole session and reaps it. SIGKILL: the server keeps nothing worth flushing, and it
    /// does not end on SIGTERM.
    public func stop() {
        guard pid > 0 else { return }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        pid = 0
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

