// MARK: Spatial max pooling on NHWC

/// k×k max pooling with stride and explicit padding (padded cells never win), as torchvision's ResNet stem.
public struct MaxPool2D: Sendable {
    public let kernel: Int, stride: Int, padding: Int

    public init(kernel: Int, stride: Int, padding: Int) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding - kernel) / stride + 1, (width + 2 * padding - kernel) / stride + 1)
    }

    public func apply(_ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int,
                      into output: UnsafeMutablePointer<Float>, threads: Int) {
        let out = outputSize(height: height, width: width)
        Parallel.forEach(batch * out.height, threads: threads) { imageRow in
            let n = imageRow / out.height, oy = imageRow % out.height
            let image = input + n * height * width * channels
            let yStart = Swift.max(0, oy * stride - padding), yEnd = Swift.min(height, oy * stride - padding + kernel)
            for ox in 0..<out.width {
                let xStart = Swift.max(0, ox * stride - padding), xEnd = Swift.min(width, ox * stride - padding + kernel)
                let destination = output + (imageRow * out.width + ox) * channels
                destination.update(repeating: -.infinity, count: channels)
                for y in yStart..<yEnd {
                    for x in xStart..<xEnd {
                        let source = image + (y * width + x) * channels
                        for c in 0..<channels { destination[c] = Swift.max(destination[c], source[c]) }
                    }
                }
            }
        }
    }

    /// Convenience: [N, H, W, C] → [N, H', W', C].
    public func callAsFunction(_ x: Tensor, threads: Int = Parallel.threads) -> Tensor {
        precondition(x.rank == 4, "MaxPool2D: expected [N,H,W,C], got \(x.shape)")
        let out = outputSize(height: x.shape[1], width: x.shape[2])
        var y = Tensor(zeros: [x.shape[0], out.height, out.width, x.shape[3]])
        x.data.withUnsafeBufferPointer { input in
            y.data.withUnsafeMutableBufferPointer { output in
                apply(input.baseAddress!, batch: x.shape[0], height: x.shape[1], width: x.shape[2], channels: x.shape[3],
                      into: output.baseAddress!, threads: threads)
            }
        }
        return y
    }
}
