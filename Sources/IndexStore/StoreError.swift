import Foundation

/// A failure of the feature cache or the index store, naming the file and the reason.
public struct StoreError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        /// The directory or a file cannot be created or written (permissions, disk full).
        case io
        /// A file is not what the store wrote (bad magic, wrong size, checksum mismatch).
        case corrupt
        /// The index was built by another model than the one asked for.
        case modelMismatch
        /// A caller asked for something the store does not hold.
        case invalidArgument
        /// The SQLite database refused an operation.
        case database
        /// A vector to store holds NaN or infinity (a broken model or input); the reason names the item.
        case nonFiniteVector
        /// Written by an older release in a format this one does not trust (rebuild it).
        case outdated
    }

    public var kind: Kind
    public var file: String
    public var reason: String

    public init(_ kind: Kind = .io, file: String, reason: String) {
        self.kind = kind
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
