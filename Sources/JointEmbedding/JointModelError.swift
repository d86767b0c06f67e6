/// Why a model directory, checkpoint or training input was rejected. Names the file and the reason.
public struct JointModelError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var reason: String
    public init(file: String, reason: String) { self.file = file; self.reason = reason }
    public var description: String { "\(file): \(reason)" }
}
