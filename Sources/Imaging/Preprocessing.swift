import Tensor

// MARK: - Preprocessing

/// How a model wants its input: square size, how to fit the image into it, and per-channel
/// normalisation `(x − mean) / std` with x on the 0…255 scale.
public struct Preprocessing: Codable, Sendable, Equatable {
    /// How a non-square image becomes `size`×`size`.
    public enum Fit: String, Codable, Sendable {
        case centerCrop   // scale the short side, cut the centre
        case pad          // scale the long side, pad the rest with `padValue`
        case stretch      // scale each axis independently
    }

    public var size: Int
    public var fit: Fit
    /// For `.centerCrop`: the crop's share of the short side (torchvision's 224/256 = 0.875).
    public var cropFraction: Double
    public var mean: [Float]
    public var std: [Float]
    /// Grey level of the padding for `.pad` (white suits product photos).
    public var padValue: UInt8

    public init(size: Int, fit: Fit = .centerCrop, cropFraction: Double = 1, mean: [Float], std: [Float], padValue: UInt8 = 255) {
        precondition(size > 0 && mean.count == 3 && std.count == 3, "Preprocessing: size > 0 and three means/stds")
        self.size = size; self.fit = fit; self.cropFraction = cropFraction
        self.mean = mean; self.std = std; self.padValue = padValue
    }

    /// EfficientNet-Lite: (x − 127) / 128 at 224×224, the whole short side.
    public static let efficientNetLite = Preprocessing(size: 224, mean: [127, 127, 127], std: [128, 128, 128])

    /// torchvision ImageNet models (ResNet50): resize 256, centre crop 224, ImageNet mean/std.
    public static let torchvisionImageNet = Preprocessing(
        size: 224, cropFraction: 0.875,
        mean: [0.485 * 255, 0.456 * 255, 0.406 * 255], std: [0.229 * 255, 0.224 * 255, 0.225 * 255])

    /// The short side a decoder must keep for this preprocessing (pass as `hintSize`).
    public var decodeHint: Int {
        fit == .centerCrop ? Int((Double(size) / cropFraction).rounded(.up)) : size
    }

    // MARK: Geometry

    /// The image fitted into `size`×`size` as configured.
    public func fitted(_ image: RGBImage) -> RGBImage {
        let w = Double(image.width), h = Double(image.height)
        switch fit {
        case .stretch:
            return image.resized(width: size, height: size)
        case .centerCrop:
            let side = min(w, h) * cropFraction
            let box = SourceBox(x0: (w - side) / 2, y0: (h - side) / 2, x1: (w + side) / 2, y1: (h + side) / 2)
            return image.resampled(from: box, width: size, height: size)
        case .pad:
            let scale = Double(size) / max(w, h)
            let innerWidth = min(size, max(1, Int((w * scale).rounded()))), innerHeight = min(size, max(1, Int((h * scale).rounded())))
            let inner = image.resized(width: innerWidth, height: innerHeight)
            var canvas = RGBImage(width: size, height: size, fill: (padValue, padValue, padValue))
            let left = (size - innerWidth) / 2, top = (size - innerHeight) / 2
            for y in 0..<innerHeight {
                let src = y * innerWidth * 3, dst = ((top + y) * size + left) * 3
                canvas.pixels.replaceSubrange(dst..<(dst + innerWidth * 3), with: inner.pixels[src..<(src + innerWidth * 3)])
            }
            return canvas
        }
    }

    // MARK: Normalisation

    /// Writes the fitted, normalised image as `size·size·3` floats (HWC) at `destination`.
    public func normalize(_ image: RGBImage, into destination: UnsafeMutablePointer<Float>) {
        let fitted = (image.width == size && image.height == size) ? image : fitted(image)
        let scale = std.map { 1 / $0 }
        fitted.pixels.withUnsafeBufferPointer { src in
            for p in 0..<(size * size) {
                for c in 0..<3 { destination[p * 3 + c] = (Float(src[p * 3 + c]) - mean[c]) * scale[c] }
            }
        }
    }
}

// MARK: - ImageBatch

/// Builds network input batches from decoded images.
public enum ImageBatch {
    /// `[N, size, size, 3]` float32, each image fitted and normalised by `p`; images processed in parallel.
    public static func make(_ images: [RGBImage], _ p: Preprocessing) -> Tensor {
        let plane = p.size * p.size * 3
        var data = [Float](repeating: 0, count: images.count * plane)
        data.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEach(images.count) { i in p.normalize(images[i], into: base + i * plane) }
        }
        return Tensor(shape: [images.count, p.size, p.size, 3], data: data)
    }
}
