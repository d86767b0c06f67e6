import Tensor

/// Word id → vector lookup. The backward pass touches only the rows of words in the batch
/// (a row-sparse gradient), so a 20k-word table costs nothing for the words not seen.
public final class WordEmbedding {
    public let table: Parameter
    public let dimension: Int

    public init(name: String, vocabularySize: Int, dimension: Int, rng: inout SeededGenerator) {
        self.dimension = dimension
        // Small uniform start: the GRU's gates begin near their linear range.
        table = .uniform("\(name).weight", limit: 0.1, shape: [vocabularySize, dimension], rng: &rng, rowSparse: true)
    }

    public var vocabularySize: Int { table.shape[0] }

    /// ids: any layout of n ids → [n, dimension] in the same order.
    public func forward(_ ids: [Int32]) -> [Float] {
        var out = [Float](repeating: 0, count: ids.count * dimension)
        for (i, id) in ids.enumerated() {
            let row = Int(id) * dimension
            for j in 0..<dimension { out[i * dimension + j] = table.value[row + j] }
        }
        return out
    }

    /// Adds each row of `outputGradient` to the gradient row of its word.
    public func backward(_ ids: [Int32], outputGradient dy: [Float]) {
        for (i, id) in ids.enumerated() {
            let row = Int(id)
            table.touch(row: row)
            for j in 0..<dimension { table.gradient[row * dimension + j] += dy[i * dimension + j] }
        }
    }
}
