import Foundation
import XCTest

/// Runs the built `imgsearch` binary as a child process, as a user would.
///
/// The binary is found beside the test bundle (same build folder: `swift test` builds every product first),
/// or at `$IMGSEARCH_BIN`.
struct CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["IMGSEARCH_BIN"] { return URL(fileURLWithPath: path) }
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("imgsearch")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build/release/imgsearch").standardizedFileURL
    }

    /// Runs `imgsearch args…`, waiting at most `timeout` seconds (then the child is killed and the test fails).
    @discardableResult
    static func run(_ args: [String], timeout: TimeInterval = 600, environment: [String: String] = [:],
                    file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        let outData = DrainedBytes(), errData = DrainedBytes()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { outData.bytes = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errData.bytes = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            XCTFail("imgsearch \(args.joined(separator: " ")) timed out after \(timeout) s", file: file, line: line)
        }
        process.waitUntilExit()
        group.wait()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData.bytes, as: UTF8.self),
                      stderr: String(decoding: errData.bytes, as: UTF8.self))
    }
}

/// One pipe's bytes, written by its reader thread and read only after the group has waited for it.
private final class DrainedBytes: @unchecked Sendable {
    var bytes = Data()
}
