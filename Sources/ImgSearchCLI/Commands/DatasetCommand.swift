import ArgumentParser

struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dataset", abstract: "(being built)")
    func run() async throws { throw ValidationError("'dataset' is not built yet") }
}
