import Tensor
import Foundation

/// A trainable array and its gradient, shared by reference between a layer and the optimizer.
///
/// Row-sparse parameters (the word embedding) record which rows a batch touched, so the
/// optimizer updates only those rows instead of the whole table.
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    public var gradient: [Float]
    /// Rows written since the last optimizer step, for row-sparse parameters; nil for dense ones.
    public private(set) var touchedRows: [Int]?
    private var isTouched: [Bool]

    public init(name: String, shape: [Int], value: [Float], rowSparse: Bool = false) {
        precondition(shape.reduce(1, *) == value.count, "Parameter \(name): shape \(shape) vs \(value.count) values")
        self.name = name
        self.shape = shape
        self.value = value
        self.gradient = [Float](repeating: 0, count: value.count)
        self.touchedRows = rowSparse ? [] : nil
        self.isTouched = rowSparse ? [Bool](repeating: false, count: shape[0]) : []
    }

    public var count: Int { value.count }
    public var rowWidth: Int { shape.count > 1 ? count / shape[0] : count }

    /// Marks a row of a row-sparse parameter as having a gradient this step.
    func touch(row: Int) {
        guard touchedRows != nil, !isTouched[row] else { return }
        isTouched[row] = true
        touchedRows!.append(row)
    }

    /// Zeroes the gradient (only the touched rows of a row-sparse parameter).
    public func zeroGradient() {
        if let rows = touchedRows {
            let width = rowWidth
            for row in rows {
                for i in row * width..<(row + 1) * width { gradient[i] = 0 }
                isTouched[row] = false
            }
            touchedRows = []
        } else {
            gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }

    // MARK: Initialisation

    /// Glorot/Xavier uniform: keeps activation variance steady through a dense layer.
    static func glorot(_ name: String, fanIn: Int, fanOut: Int, shape: [Int], rng: inout SeededGenerator) -> Parameter {
        let limit = (6 / Float(fanIn + fanOut)).squareRoot()
        return uniform(name, limit: limit, shape: shape, rng: &rng)
    }

    static func uniform(_ name: String, limit: Float, shape: [Int], rng: inout SeededGenerator, rowSparse: Bool = false) -> Parameter {
        let values = (0..<shape.reduce(1, *)).map { _ in (rng.nextUnitFloat() * 2 - 1) * limit }
        return Parameter(name: name, shape: shape, value: values, rowSparse: rowSparse)
    }

    static func zeros(_ name: String, shape: [Int]) -> Parameter {
        Parameter(name: name, shape: shape, value: [Float](repeating: 0, count: shape.reduce(1, *)))
    }
}

