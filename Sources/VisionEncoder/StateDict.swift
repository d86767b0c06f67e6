import Tensor

// MARK: Named-tensor access with shape checks

/// A state dict (PyTorch names → tensors) that turns missing or misshapen entries into `ModelError`s.
struct StateDict {
    let tensors: [String: Tensor]
    /// Where the tensors came from, for error messages.
    let source: String
    /// Names read so far, to report entries the model did not use.
    private(set) var used: Set<String> = []

    init(_ tensors: [String: Tensor], source: String) { self.tensors = tensors; self.source = source }

    mutating func tensor(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        guard let t = tensors[name] else { throw ModelError(file: source, reason: "missing weight '\(name)'") }
        if let shape, t.shape != shape {
            throw ModelError(file: source, reason: "weight '\(name)' has shape \(t.shape), expected \(shape)")
        }
        used.insert(name)
        return t
    }

    /// γ, β, running mean and variance of a BatchNorm layer named `prefix`, as scale/shift.
    mutating func batchNorm(_ prefix: String, channels: Int, epsilon: Float) throws -> BatchNormParameters {
        BatchNormParameters(gamma: try tensor(prefix + ".weight", shape: [channels]).data,
                            beta: try tensor(prefix + ".bias", shape: [channels]).data,
                            mean: try tensor(prefix + ".running_mean", shape: [channels]).data,
                            variance: try tensor(prefix + ".running_var", shape: [channels]).data,
                            epsilon: epsilon)
    }

    /// A convolution with its batch norm folded in.
    mutating func convolution(_ name: String, bn: String, in inChannels: Int, out outChannels: Int, kernel: Int,
                              stride: Int, padding: Padding, activation: Activation, epsilon: Float) throws -> Conv2D {
        var conv = Conv2D(torchWeight: try tensor(name + ".weight", shape: [outChannels, inChannels, kernel, kernel]),
                          bias: nil, stride: stride, padding: padding, activation: activation)
        let norm = try batchNorm(bn, channels: outChannels, epsilon: epsilon)
        conv.scaleOutputs(by: norm.scale, shift: norm.shift)
        return conv
    }

    /// Weights that are neither read nor BN step counters: a sign the checkpoint is for another model.
    var unusedNames: [String] {
        tensors.keys.filter { !used.contains($0) && !$0.hasSuffix("num_batches_tracked") }.sorted()
    }
}
