// MARK: im2col: unfold k×k patches so a convolution becomes one matrix product

enum Im2Col {
    /// Writes, for each output pixel in output rows `rows` of one image, its kh·kw·C input patch (zeros
    /// outside the image) as one row of `columns` [rows·outW × kh·kw·C], in (ky, kx, c) order to match HWIO weights.
    static func unfold(_ image: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
                       kernelHeight: Int, kernelWidth: Int, stride: Int,
                       rows: Range<Int>, outWidth: Int, padTop: Int, padLeft: Int,
                       into columns: UnsafeMutablePointer<Float>, threads: Int) {
        let rowLength = kernelHeight * kernelWidth * channels
        Parallel.forEach(rows.count, threads: threads) { band in
            let oy = rows.lowerBound + band
            for ox in 0..<outWidth {
                var destination = columns + (band * outWidth + ox) * rowLength
                for ky in 0..<kernelHeight {
                    let iy = oy * stride + ky - padTop
                    for kx in 0..<kernelWidth {
                        let ix = ox * stride + kx - padLeft
                        if iy >= 0, iy < height, ix >= 0, ix < width {
                            destination.update(from: image + (iy * width + ix) * channels, count: channels)
                        } else {
                            destination.update(repeating: 0, count: channels)
                        }
                        destination += channels
                    }
                }
            }
        }
    }
}
