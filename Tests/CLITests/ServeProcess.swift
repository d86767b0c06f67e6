import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Imaging
import JointEmbedding
import TextEncoder
import XCTest

/// `imgsearch serve` as a child process on a free port (its banner names the port), with a small HTTP client.
final class ServeProcess {
    let process = Process()
    let port: Int
    let banner: String
    private let output: Pipe
    private let errorFile: URL

    /// Starts `imgsearch serve args… --port 0` and waits (at most 120 s) for the banner with the bound address.
    init(_ args: [String], environment: [String: String] = [:]) throws {
        process.executableURL = CLIRunner.binary
        process.arguments = ["serve"] + args + ["--port", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        output = Pipe()
        process.standardOutput = output
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        self.errorFile = errorFile
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning, !text.contains("\n") || !text.contains("http://") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        banner = text
        guard let range = text.range(of: #"http://[^ /]+:(\d+)/"#, options: .regularExpression),
              let port = Int(text[range].split(separator: ":").last!.dropLast()) else {
            process.terminate()
            throw NSError(domain: "serve", code: 1, userInfo: [NSLocalizedDescriptionKey: "no address in the banner: \(text) \((try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")"])
        }
        self.port = port
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: errorFile)
    }

    /// What the server wrote to stderr so far.
    var errorOutput: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    /// GET `path` from the server (10 s timeout: a request that hangs fails the test instead of the run).
    func get(_ path: String, headers: [String: String] = [:]) throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.timeoutInterval = 10
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let box = ReplyBox()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let http = response as? HTTPURLResponse {
                let fields = Dictionary(http.allHeaderFields.map { ("\($0.key)", "\($0.value)") }, uniquingKeysWith: { a, _ in a })
                box.result = .success(Reply(status: http.statusCode, headers: fields, body: data ?? Data()))
            } else {
                box.result = .failure(error ?? URLError(.badServerResponse))
            }
            done.signal()
        }.resume()
        done.wait()
        return try box.result!.get()
    }
}

extension ServeProcess {
    /// GET `path` and its JSON object body (the request must succeed).
    func json(_ path: String) throws -> [String: Any] {
        let reply = try get(path)
        XCTAssertEqual(reply.status, 200, reply.text)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: reply.body) as? [String: Any], reply.text)
    }
}

private final class ReplyBox: @unchecked Sendable {
    var result: Result<ServeProcess.Reply, Error>?
}

/// Small real inputs for tests of the binary: an untrained model and distinct PNG patterns.
enum CLIFixtures {
    /// An untrained GRU joint model (32-dimensional): indexing and serving only need it to be a model.
    static func makeModel(in directory: URL) throws -> URL {
        var config = JointModelConfig()
        config.embeddingDimension = 32
        config.wordDimension = 8
        config.gruHiddenSize = 8
        let model = JointModel(config: config, vocabulary: WordVocabulary(words: ["image", "pattern"]),
                               featureMean: [Float](repeating: 0, count: 1280), featureScale: [Float](repeating: 1, count: 1280), seed: 7)
        try model.save(to: directory)
        return directory
    }

    /// A 48×48 PNG pattern that differs with `n`.
    static func writePattern(_ n: Int, to url: URL) throws {
        var pixels = [UInt8](repeating: 0, count: 48 * 48 * 3)
        for i in 0..<(48 * 48) {
            pixels[i * 3] = UInt8(truncatingIfNeeded: (i % 48) * (n + 1))
            pixels[i * 3 + 1] = UInt8(truncatingIfNeeded: (i / 48) * (n % 7 + 1))
            pixels[i * 3 + 2] = UInt8(truncatingIfNeeded: n * 29)
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNGWriter.write(RGBImage(width: 48, height: 48, pixels: pixels), to: url)
    }

    /// A JSON Lines catalog of `(id, image)` pairs.
    static func writeCatalog(_ entries: [(id: String, image: String)], to url: URL) throws {
        let lines = try entries.map { entry -> String in
            let data = try JSONSerialization.data(withJSONObject: ["id": entry.id, "image": entry.image, "title": "pattern \(entry.id)"])
            return String(decoding: data, as: UTF8.self)
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }
}
