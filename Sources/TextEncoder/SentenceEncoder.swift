import Tensor

/// Anything that turns sentences into fixed-length, L2-normalised vectors (MiniLM; test doubles).
public protocol SentenceEncoder: AnyObject, Sendable {
    /// Stable name of the model and its weights, e.g. "all-MiniLM-L6-v2" (stored beside cached vectors).
    var identifier: String { get }
    /// Length of each vector.
    var dimension: Int { get }
    /// [texts.count, dimension], each row of unit length.
    func encode(_ texts: [String]) -> Tensor
}
