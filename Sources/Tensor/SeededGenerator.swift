// MARK: - Seeded random numbers

/// SplitMix64, the project's one seeded generator: tiny, fast, and its whole state is one integer,
/// so `--resume` can restore it and a run with the same `--seed` draws the same numbers bit for bit.
/// Training, HNSW levels, t-SNE starts, sampling and augmentation all draw from it.
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
