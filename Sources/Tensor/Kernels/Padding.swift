// MARK: Spatial padding of convolutions

/// How a convolution pads its input.
public enum Padding: Codable, Sendable, Equatable {
    /// TensorFlow "SAME": output = ceil(input / stride); the odd pixel of padding goes bottom/right.
    case same
    /// PyTorch-style fixed padding on each side.
    case explicit(top: Int, left: Int, bottom: Int, right: Int)

    /// Symmetric PyTorch padding `p` on all sides.
    public static func symmetric(_ p: Int) -> Padding { .explicit(top: p, left: p, bottom: p, right: p) }

    /// Output size and the top/left padding for one spatial axis pair.
    public func resolve(height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, stride: Int)
        -> (outHeight: Int, outWidth: Int, top: Int, left: Int) {
        switch self {
        case .same:
            let outHeight = (height + stride - 1) / stride, outWidth = (width + stride - 1) / stride
            let padHeight = Swift.max((outHeight - 1) * stride + kernelHeight - height, 0)
            let padWidth = Swift.max((outWidth - 1) * stride + kernelWidth - width, 0)
            return (outHeight, outWidth, padHeight / 2, padWidth / 2)
        case .explicit(let top, let left, let bottom, let right):
            return ((height + top + bottom - kernelHeight) / stride + 1,
                    (width + left + right - kernelWidth) / stride + 1, top, left)
        }
    }
}
