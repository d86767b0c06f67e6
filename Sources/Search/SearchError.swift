import Foundation

/// Why a search structure could not be built, read or written.
public struct SearchError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        case io, badHeader, versionMismatch, checksumMismatch, truncated, dimensionMismatch, invalidArgument, lapack
    }
    public var kind: Kind
    /// The file involved, or the structure's name when there is no file.
    public var file: String
    public var reason: String

    public init(_ kind: Kind, file: String, _ reason: String) {
        self.kind = kind
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
