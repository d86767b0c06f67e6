import Foundation
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Requests URLSession refuses to send

/// Sends bytes exactly as given over a TCP socket to 127.0.0.1:`port` and reads until the
/// server closes the connection: for request lines URLSession would not produce (bad
/// percent escapes, odd methods). Blocking I/O with a receive timeout, run off the test's executor.
enum RawHTTP {
    struct UnexpectedReply: Error { var text: String }

    struct Reply {
        var status: Int
        var body: String
    }

    static func send(_ request: String, port: Int) async throws -> Reply {
        try await Task.detached { try exchange(Array(request.utf8), port: port) }.value
    }

    private static func exchange(_ request: [UInt8], port: Int) throws -> Reply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        guard request.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { throw POSIXError(.EIO) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let statusLine = text.prefix { $0 != "\r" }.split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw UnexpectedReply(text: String(text.prefix(200)))
        }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return Reply(status: status, body: body)
    }
}
