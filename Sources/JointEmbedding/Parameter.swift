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
            for i in gradient.indices { gradient[i] = 0 }
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

/// SplitMix64: tiny, fast, and its whole state is one integer, so `--resume` can restore it
/// and a run with the same `--seed` draws the same numbers bit for bit.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Integer in 0..<bound (bound > 0) by multiply-shift; bias below 2⁻⁴⁰ for our bounds.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A Fisher–Yates permutation of 0..<count, independent of the standard library's algorithm.
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        if count < 2 { return order }
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, nextInt(below: i + 1)) }
        return order
    }
}
