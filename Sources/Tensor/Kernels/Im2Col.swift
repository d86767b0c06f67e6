// MARK: im2col: unfold k×k patches so a convolution becomes one matrix product

enum Im2Col {
    /// Writes, for each output pixel of each image, its kh·kw·C input patch (zeros outside the image)
    /// as one row of `columns` [batch·outH·outW × kh·kw·C], in (ky, kx, c) order to match HWIO weights.
    static func unfold(_ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int,
                       kernelHeight: Int, kernelWidth: Int, stride: Int,
                       outHeight: Int, outWidth: Int, padTop: Int, padLeft: Int,
                       into columns: UnsafeMutablePointer<Float>, threads: Int) {
        let rowLength = kernelHeight * kernelWidth * channels
        Parallel.forEach(batch * outHeight, threads: threads) { imageRow in
            let n = imageRow / outHeight, oy = imageRow % outHeight
            let image = input + n * height * width * channels
            for ox in 0..<outWidth {
                var destination = columns + (imageRow * outWidth + ox) * rowLength
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
