import ArgumentParser
import Foundation
import ImgSearchKit
import Logging
import Server

/// `imgsearch serve`: the search page and the JSON API over an index.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the search web page and the JSON API over an index.",
        discussion: """
        Open the printed address in a browser: type a description or drop an image, click a \
        result for more like it. The API is described at /openapi.json.
        Items added by a concurrent `imgsearch index` become searchable about a second after \
        they are committed, without a restart. Stops gracefully on Ctrl-C (SIGINT) or SIGTERM.
          imgsearch serve --index indexes/demo
          imgsearch serve --index indexes/demo --port 0      # any free port
          imgsearch serve --database postgres://imgsearch@db:5432/imgsearch --read-replica postgres://imgsearch@replica:5432/imgsearch
        Several serve processes, on one machine or many, can share one --database: each query asks the \
        database, so what imgsearch index commits is seen by all of them at once.
        """
    )

    @OptionGroup var source: IndexOptions

    @Option(help: "Trained model directory (default: the one the index records).")
    var model: String?

    @Option(help: "Address to listen on. The default keeps the server on this machine; 0.0.0.0 exposes it to the network.")
    var host = "127.0.0.1"

    @Option(name: .customLong("api-key"), help: ArgumentHelp(
        "Require this key on every request but /healthz (default: $IMGSEARCH_API_KEY).",
        discussion: "Clients send `Authorization: Bearer KEY` or `X-API-Key: KEY`; a browser opens /?key=KEY once and keeps a cookie."))
    var apiKey: String?

    @Option(help: "TCP port; 0 picks a free one.")
    var port = 8080

    @Option(name: .customLong("max-upload-mb"), help: "Largest accepted image upload, in MiB.")
    var maxUploadMiB = 10

    @Flag(help: "Exact or approximate (HNSW) text search; default: by collection size.")
    var method: SearchMethodFlag?

    @OptionGroup var bridge: BridgeOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0…65535, got \(port)") }
        guard maxUploadMiB >= 1 else { throw ValidationError("--max-upload-mb must be at least 1") }
    }

    func run() async throws {
        var options = SearchEngine.Options(modelDirectory: model.map { URL(fileURLWithPath: $0) },
                                           method: method?.method ?? .automatic)
        options.bridgeWeight = bridge.weight
        options.showProgress = false
        // Opening names a missing or unreadable index; then fail now rather than on the first query: text search
        // needs the model.
        let engine = try source.engine(options)
        guard engine.modelDirectory != nil else {
            throw CommandFailure("the index \(engine.location) does not record its model: pass --model DIR")
        }
        let key = apiKey ?? ProcessInfo.processInfo.environment["IMGSEARCH_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let configuration = ServerConfiguration(host: host, port: port, maxUploadBytes: maxUploadMiB << 20, apiKey: key)
        let app = try ImgSearchServer.makeApplication(backend: engine, configuration: configuration) { [host] boundPort in
            let shownHost = host.contains(":") ? "[\(host)]" : host
            let reach = configuration.isLoopback ? "" : " — reachable from other machines"
            print("imgsearch: serving \(engine.itemCount) items of \(engine.location) at http://\(shownHost):\(boundPort)/\(reach) (Ctrl-C stops)")
            if key != nil { print("imgsearch: every request but /healthz needs the API key") }
            fflush(stdout)
            if !configuration.isLoopback && key == nil {
                FileHandle.standardError.write(Data("""
                    imgsearch serve: warning: listening on \(host) without --api-key: anyone who can reach this machine can \
                    search the index and download every indexed image (set --api-key or IMGSEARCH_API_KEY)

                    """.utf8))
            }
        }
        try await app.runService()
    }
}
