import Foundation

/// One ranked answer: the item, its image file and its Euclidean distance to the query.
public struct SearchResult: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    /// Absolute path of the item's image.
    public var image: String
    public var distance: Float

    public init(id: String, title: String, image: String, distance: Float) {
        self.id = id
        self.title = title
        self.image = image
        self.distance = distance
    }
}

/// Why a search could not run, naming the file or query at fault.
public struct SearchEngineError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        /// No index in the directory, or it cannot be read.
        case noIndex
        /// The model the index records cannot be found or loaded.
        case modelUnavailable
        /// The model given is not the one the index was built with.
        case modelMismatch
        /// The query image cannot be read or decoded.
        case unreadableImage
        /// No item has this id.
        case unknownID
        /// Empty text, k out of range, a vector of the wrong length.
        case invalidQuery
    }

    public var kind: Kind
    public var subject: String
    public var reason: String

    public init(_ kind: Kind, _ subject: String, _ reason: String) {
        self.kind = kind
        self.subject = subject
        self.reason = reason
    }

    public var description: String { subject.isEmpty ? reason : "\(subject): \(reason)" }
}
