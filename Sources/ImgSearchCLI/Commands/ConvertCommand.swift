import ArgumentParser

struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "convert", abstract: "(being built)")
    func run() async throws { throw ValidationError("'convert' is not built yet") }
}
