import ArgumentParser

struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "index", abstract: "(being built)")
    func run() async throws { throw ValidationError("'index' is not built yet") }
}
