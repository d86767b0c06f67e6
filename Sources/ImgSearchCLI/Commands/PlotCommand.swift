import ArgumentParser

struct PlotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plot", abstract: "(being built)")
    func run() async throws { throw ValidationError("'plot' is not built yet") }
}
