import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP proxy between proj and an S3 server that flips one byte of every object body it passes on
/// (GET of `objects/` or of a pack): a server, or a network, that sends other bytes than asked for. Each
/// connection carries one request (`Connection: close` is asked of the server). Stopped by `stop()`.
final class FlippingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let upstream: Int
    private let lock = NSLock()
    private var stopped = false
    private(set) var flipped = 0

    init(upstream: Int) throws {
        self.upstream = upstream
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = FlippingProxy.loopback(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 64) == 0 else { throw CocoaError(.fileWriteUnknown) }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in accepting() }
        thread.start()
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return address
    }

    private func accepting() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        guard var request = readHead(client) else { return }
        let head = String(decoding: request.head, as: UTF8.self)
        let line = head.prefix { $0 != "\r" }
        let parts = line.split(separator: " ")
        let length = head.split(separator: "\r\n").compactMap { h -> Int? in
            h.lowercased().hasPrefix("content-length:") ? Int(h.dropFirst(15).trimmingCharacters(in: .whitespaces)) : nil
        }.first ?? 0
        while request.rest.count < length {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            request.rest += buffer[0..<n]
        }
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(server) }
        var address = FlippingProxy.loopback(upstream)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return }
        let headText = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            .filter { !$0.lowercased().hasPrefix("connection:") }.joined(separator: "\r\n")
        let forwarded = Array(headText.replacingOccurrences(of: "\r\n\r\n", with: "\r\nConnection: close\r\n\r\n").utf8) + request.rest
        guard write(server, forwarded) else { return }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(server, &buffer, buffer.count)
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        let path = parts.count > 1 ? String(parts[1]) : ""
        let isObject = parts.first == "GET" && (path.contains("/objects/") || path.hasSuffix(".pack"))
        if isObject, let end = response.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound, end < response.count, response.starts(with: Array("HTTP/1.1 200".utf8)) {
            response[response.count - 1] ^= 0x01
            lock.withLock { flipped += 1 }
        }
        _ = write(client, response)
    }

    private func readHead(_ fd: Int32) -> (head: [UInt8], rest: [UInt8])? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = data.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound { return (Array(data[..<end]), Array(data[end...])) }
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { return nil }
            data += buffer[0..<n]
        }
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}
