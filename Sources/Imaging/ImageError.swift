// MARK: - ImageError

/// Why an image could not be read. Names the file and the reason; never a crash.
public struct ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The broad class of failure, for callers that react differently (skip vs. report).
    public enum Kind: String, Sendable, Codable {
        case unreadable          // the file could not be opened or read
        case empty               // zero bytes
        case truncated           // the data ends before the image does
        case notAnImage          // no known image signature
        case unsupportedFormat   // a recognised format we do not decode (GIF, BMP, TIFF, …)
        case tooLarge            // dimensions beyond `ImageDecoder.maximumPixels` (decompression bombs)
        case corrupt             // the codec rejected the data
    }

    public var file: String
    public var kind: Kind
    public var reason: String

    public init(file: String, kind: Kind, reason: String) {
        self.file = file
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
