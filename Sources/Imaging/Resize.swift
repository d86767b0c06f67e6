// MARK: - Antialiased resampling

/// A rectangle in source-pixel coordinates (fractional), for resampling part of an image.
public struct SourceBox: Sendable, Equatable {
    public var x0, y0, x1, y1: Double
    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
        self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1
    }
}

extension RGBImage {
    /// The image resampled to `width`×`height` with an antialiased triangle filter.
    public func resized(width: Int, height: Int) -> RGBImage {
        resampled(from: SourceBox(x0: 0, y0: 0, x1: Double(self.width), y1: Double(self.height)),
                  width: width, height: height)
    }

    /// The region `box` resampled to `width`×`height`.
    ///
    /// Separable triangle (bilinear) filter whose support widens with the shrink factor, as in
    /// Pillow's `resize` and torchvision's `antialias=True`: every source pixel contributes, so a
    /// 10× reduction of a fine checkerboard is flat grey rather than a moiré.
    public func resampled(from box: SourceBox, width outWidth: Int, height outHeight: Int) -> RGBImage {
        precondition(outWidth > 0 && outHeight > 0, "resampled: target size must be positive")
        if box == SourceBox(x0: 0, y0: 0, x1: Double(width), y1: Double(height)),
           outWidth == width, outHeight == height { return self }
        let columns = FilterTaps(inputSize: width, outputSize: outWidth, from: box.x0, to: box.x1)
        let rows = FilterTaps(inputSize: height, outputSize: outHeight, from: box.y0, to: box.y1)
        let firstRow = rows.start[0], lastRow = rows.start[outHeight - 1] + rows.count[outHeight - 1]

        // Horizontal pass over the rows the vertical pass needs, kept in float.
        let rowLength = outWidth * 3
        var horizontal = [Float](repeating: 0, count: (lastRow - firstRow) * rowLength)
        var sourceRow = [Float](repeating: 0, count: width * 3)
        pixels.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { dst in
                sourceRow.withUnsafeMutableBufferPointer { row in
                    for y in firstRow..<lastRow {
                        let base = y * width * 3
                        for i in 0..<(width * 3) { row[i] = Float(src[base + i]) }
                        let out = dst.baseAddress! + (y - firstRow) * rowLength
                        columns.apply(row: row.baseAddress!, to: out)
                    }
                }
            }
        }

        // Vertical pass: each output row is a weighted sum of whole rows (contiguous, vectorised).
        var result = [UInt8](repeating: 0, count: outHeight * rowLength)
        var accumulator = [Float](repeating: 0, count: rowLength)
        horizontal.withUnsafeBufferPointer { src in
            result.withUnsafeMutableBufferPointer { dst in
                accumulator.withUnsafeMutableBufferPointer { acc in
                    for y in 0..<outHeight {
                        for j in 0..<rowLength { acc[j] = 0 }
                        for t in 0..<rows.count[y] {
                            let w = rows.weights[y * rows.stride + t]
                            let line = src.baseAddress! + (rows.start[y] + t - firstRow) * rowLength
                            for j in 0..<rowLength { acc[j] += w * line[j] }
                        }
                        let out = dst.baseAddress! + y * rowLength
                        for j in 0..<rowLength { out[j] = UInt8(min(max(acc[j] + 0.5, 0), 255)) }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: result)
    }
}

// MARK: - Filter taps

/// Per-output-pixel source range and normalised triangle weights along one axis.
struct FilterTaps {
    var start: [Int]
    var count: [Int]
    var weights: [Float]   // `stride` slots per output pixel
    var stride: Int

    init(inputSize: Int, outputSize: Int, from lower: Double, to upper: Double) {
        let scale = (upper - lower) / Double(outputSize)
        let filterScale = max(scale, 1)          // widen the kernel when shrinking
        let support = filterScale                // triangle support is 1 at unit scale
        stride = Int(support.rounded(.up)) * 2 + 1
        start = [Int](repeating: 0, count: outputSize)
        count = [Int](repeating: 0, count: outputSize)
        weights = [Float](repeating: 0, count: outputSize * stride)
        for i in 0..<outputSize {
            let center = lower + (Double(i) + 0.5) * scale
            let first = max(Int((center - support + 0.5).rounded(.down)), 0)
            let end = min(Int((center + support + 0.5).rounded(.down)), inputSize)
            var taps = [Double]()
            for x in first..<max(end, first) {
                let distance = abs((Double(x) + 0.5 - center) / filterScale)
                taps.append(max(0, 1 - distance))
            }
            var total = taps.reduce(0, +)
            if total <= 0 {  // degenerate box: fall back to the nearest pixel
                taps = [1]; total = 1
                start[i] = min(max(Int(center), 0), inputSize - 1)
            } else {
                start[i] = first
            }
            count[i] = min(taps.count, stride)
            for t in 0..<count[i] { weights[i * stride + t] = Float(taps[t] / total) }
        }
    }

    /// Resamples one interleaved RGB float row into `out` (outputSize × 3 floats).
    @inline(__always)
    func apply(row: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { w in
            for i in 0..<start.count {
                var r: Float = 0, g: Float = 0, b: Float = 0
                var p = row + start[i] * 3
                let wi = w.baseAddress! + i * stride
                for t in 0..<count[i] {
                    let k = wi[t]
                    r += k * p[0]; g += k * p[1]; b += k * p[2]
                    p += 3
                }
                out[i * 3] = r; out[i * 3 + 1] = g; out[i * 3 + 2] = b
            }
        }
    }
}
