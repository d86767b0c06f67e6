import Tensor

/// The image side: frozen backbone features → standardise → (dropout) → [dense → ReLU] → dense.
///
/// Standardising with the training set's per-channel mean and spread puts max-pooled
/// ReLU6 features (0…6, very uneven channels) on one scale, so one learning rate suits all.
public final class ImageHead {
    public let featureMean: [Float]
    public let featureScale: [Float]   // 1 / standard deviation
    public let hidden: Dense?
    public let projection: Dense
    public let dropout: Float

    /// `name` prefixes the weight names ("image" for the first member of an ensemble, "image.member1" … for the others).
    public init(name: String = "image", featureMean: [Float], featureScale: [Float], hiddenSize: Int, outputDimension: Int,
                dropout: Float, rng: inout SeededGenerator) {
        precondition(featureMean.count == featureScale.count)
        self.featureMean = featureMean
        self.featureScale = featureScale
        self.dropout = dropout
        let inputSize = featureMean.count
        hidden = hiddenSize > 0 ? Dense(name: "\(name).hidden", inputSize: inputSize, outputSize: hiddenSize, rng: &rng) : nil
        projection = Dense(name: "\(name).projection", inputSize: hiddenSize > 0 ? hiddenSize : inputSize,
                           outputSize: outputDimension, rng: &rng)
    }

    public var parameters: [Parameter] { (hidden?.parameters ?? []) + projection.parameters }
    public var inputSize: Int { featureMean.count }
    public var outputDimension: Int { projection.outputSize }

    /// Per-channel mean and 1/std of `features` [rows, width] (spread floored so dead channels stay finite).
    public static func standardization(of features: [Float], rows: Int, width: Int) -> (mean: [Float], scale: [Float]) {
        var mean = [Double](repeating: 0, count: width), square = [Double](repeating: 0, count: width)
        for r in 0..<rows {
            for j in 0..<width {
                let v = Double(features[r * width + j])
                mean[j] += v; square[j] += v * v
            }
        }
        let n = Double(max(rows, 1))
        let scale = (0..<width).map { j -> Float in
            let variance = max(square[j] / n - (mean[j] / n) * (mean[j] / n), 0)
            return Float(1 / max(variance.squareRoot(), 1e-3))
        }
        return (mean.map { Float($0 / n) }, scale)
    }

    public struct Trace {
        var rows: Int
        var input: [Float]        // standardised (and dropped-out) features
        var hiddenOutput: [Float] // after ReLU; empty without a hidden layer
        public var output: [Float]
    }

    // MARK: Forward / backward

    /// Inference: features [rows, inputSize] → [rows, outputDimension].
    public func forward(_ features: [Float], rows: Int) -> Trace {
        forward(standardized: standardize(features, rows: rows), rows: rows)
    }

    /// Training: the same with inverted dropout on the standardised features.
    public func forward(_ features: [Float], rows: Int, dropoutWith rng: inout SeededGenerator) -> Trace {
        var x = standardize(features, rows: rows)
        if dropout > 0 {
            let keep = 1 - dropout
            for i in x.indices { x[i] = rng.nextUnitFloat() < keep ? x[i] / keep : 0 }
        }
        return forward(standardized: x, rows: rows)
    }

    private func standardize(_ features: [Float], rows: Int) -> [Float] {
        let width = inputSize
        var x = [Float](repeating: 0, count: rows * width)
        for r in 0..<rows {
            for j in 0..<width { x[r * width + j] = (features[r * width + j] - featureMean[j]) * featureScale[j] }
        }
        return x
    }

    private func forward(standardized x: [Float], rows: Int) -> Trace {
        var trace = Trace(rows: rows, input: x, hiddenOutput: [], output: [])
        if let hidden {
            trace.hiddenOutput = ReLU.forward(hidden.forward(x, rows: rows))
            trace.output = projection.forward(trace.hiddenOutput, rows: rows)
        } else {
            trace.output = projection.forward(x, rows: rows)
        }
        return trace
    }

    /// Accumulates the head's gradients (the backbone is frozen, so no input gradient).
    public func backward(_ trace: Trace, outputGradient: [Float]) {
        if let hidden {
            let dh = projection.backward(trace.hiddenOutput, outputGradient: outputGradient, rows: trace.rows)
            hidden.backward(trace.input, outputGradient: ReLU.backward(output: trace.hiddenOutput, outputGradient: dh),
                            rows: trace.rows, needInputGradient: false)
        } else {
            projection.backward(trace.input, outputGradient: outputGradient, rows: trace.rows, needInputGradient: false)
        }
    }
}
