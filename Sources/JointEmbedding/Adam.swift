import Foundation
import Tensor

/// Adam with decoupled weight decay (AdamW) and clipping by the global gradient norm.
///
/// Row-sparse parameters get "lazy" Adam: only rows with a gradient this step move, so
/// the rare words of a large vocabulary are not dragged by stale momentum every batch.
public final class AdamOptimizer {
    public struct Settings: Codable, Sendable, Equatable {
        public var learningRate: Float = 1e-3
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8
        /// Decoupled: θ −= lr · decay · θ each step (not added to the gradient).
        public var weightDecay: Float = 0
        /// Global L2 norm above which all gradients are scaled down; 0 disables clipping.
        public var clipNorm: Float = 5
        public init() {}
    }

    public var settings: Settings
    public let parameters: [Parameter]
    public private(set) var step = 0
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]

    public init(parameters: [Parameter], settings: Settings = Settings()) {
        self.parameters = parameters
        self.settings = settings
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        secondMoments = firstMoments
    }

    /// Applies one update from the accumulated gradients, then zeroes them.
    /// Returns the gradient norm before clipping (NaN/inf means the batch diverged; nothing is applied).
    @discardableResult
    public func apply() -> Float {
        let norm = gradientNorm()
        guard norm.isFinite else {
            parameters.forEach { $0.zeroGradient() }
            return norm
        }
        let clip: Float = settings.clipNorm > 0 && norm > settings.clipNorm ? settings.clipNorm / norm : 1
        step += 1
        let s = settings
        let correction1 = 1 - powf(s.beta1, Float(step)), correction2 = 1 - powf(s.beta2, Float(step))
        let stepSize = s.learningRate / correction1
        let decay = 1 - s.learningRate * s.weightDecay
        for (p, parameter) in parameters.enumerated() {
            let width = parameter.rowWidth
            let ranges = parameter.touchedRows.map { $0.map { $0 * width..<($0 + 1) * width } } ?? [0..<parameter.count]
            // Raw buffers: element-wise access through the class properties paid an exclusivity check per value.
            // Each element's update is independent, so blocks of a large parameter go to different threads.
            let blocks = Self.blocks(of: ranges)
            firstMoments[p].withUnsafeMutableBufferPointer { m in
                secondMoments[p].withUnsafeMutableBufferPointer { v in
                    parameter.value.withUnsafeMutableBufferPointer { value in
                        parameter.gradient.withUnsafeBufferPointer { gradient in
                            let (m, v, value) = (m, v, value)
                            Parallel.forEach(blocks.count) { b in
                                for i in blocks[b] {
                                    let g = gradient[i] * clip
                                    m[i] = s.beta1 * m[i] + (1 - s.beta1) * g
                                    v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g
                                    value[i] = value[i] * decay - stepSize * m[i] / ((v[i] / correction2).squareRoot() + s.epsilon)
                                }
                            }
                        }
                    }
                }
            }
            parameter.zeroGradient()
        }
        return norm
    }

    /// The global L2 norm of the gradients, summed block by block in a fixed order: the same value on any
    /// number of threads.
    public func gradientNorm() -> Float {
        var sum: Double = 0
        for parameter in parameters {
            let width = parameter.rowWidth
            let ranges = parameter.touchedRows.map { $0.map { $0 * width..<($0 + 1) * width } } ?? [0..<parameter.count]
            let blocks = Self.blocks(of: ranges)
            var partial = [Double](repeating: 0, count: blocks.count)
            parameter.gradient.withUnsafeBufferPointer { gradient in
                partial.withUnsafeMutableBufferPointer { partial in
                    let partial = partial
                    Parallel.forEach(blocks.count) { b in
                        var blockSum: Double = 0
                        for i in blocks[b] { blockSum += Double(gradient[i] * gradient[i]) }
                        partial[b] = blockSum
                    }
                }
            }
            for value in partial { sum += value }
        }
        return Float(sum.squareRoot())
    }

    /// `ranges` cut into blocks of at most 32,768 elements (a row-sparse parameter's rows stay whole).
    static func blocks(of ranges: [Range<Int>]) -> [Range<Int>] {
        let size = 32_768
        return ranges.flatMap { range in
            stride(from: range.lowerBound, to: range.upperBound, by: size).map { $0..<min($0 + size, range.upperBound) }
        }
    }

    // MARK: State for --resume

    /// Moments as named tensors plus the step count, to be stored in a checkpoint.
    public func state() -> (tensors: [String: Tensor], step: Int) {
        var tensors: [String: Tensor] = [:]
        for (p, parameter) in parameters.enumerated() {
            tensors["adam.m.\(parameter.name)"] = Tensor(shape: parameter.shape, data: firstMoments[p])
            tensors["adam.v.\(parameter.name)"] = Tensor(shape: parameter.shape, data: secondMoments[p])
        }
        return (tensors, step)
    }

    /// Restores what `state()` saved; a missing or mis-shaped moment is an error naming it.
    public func restore(tensors: [String: Tensor], step: Int) throws {
        for (p, parameter) in parameters.enumerated() {
            for (prefix, isFirst) in [("adam.m.", true), ("adam.v.", false)] {
                guard let t = tensors[prefix + parameter.name], t.shape == parameter.shape else {
                    throw JointModelError(file: "checkpoint", reason: "optimizer state \(prefix)\(parameter.name) missing or mis-shaped")
                }
                if isFirst { firstMoments[p] = t.data } else { secondMoments[p] = t.data }
            }
        }
        self.step = step
    }
}
