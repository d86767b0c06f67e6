import ArgumentParser

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "(being built)")
    func run() async throws { throw ValidationError("'search' is not built yet") }
}
