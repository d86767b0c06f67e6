/// Why the MiniLM tokenizer or encoder could not be loaded. Names the file and the reason.
public struct MiniLMError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var reason: String
    public init(file: String, reason: String) { self.file = file; self.reason = reason }
    public var description: String { "\(file): \(reason)" }
}
