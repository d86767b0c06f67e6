import CTurboJPEG
import Foundation

// MARK: - JPEG (libjpeg-turbo)

/// JPEG decoding through TurboJPEG, with DCT-domain downscaling and EXIF orientation.
enum JPEGDecoder {
    static func decode(_ data: Data, name: String, hintSize: Int?) throws -> RGBImage {
        guard let handle = tjInitDecompress() else {
            throw ImageError(file: name, kind: .corrupt, reason: "cannot initialise the JPEG decoder")
        }
        defer { tjDestroy(handle) }
        let orientation = EXIFOrientation.read(fromJPEG: data)

        let decoded: RGBImage = try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let size = UInt(bytes.count)
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            // A header cut short can "succeed" with 0×0 after libjpeg's fake end-of-image marker.
            if tjDecompressHeader3(handle, bytes.baseAddress, size, &width, &height, &subsampling, &colorspace) != 0
                || width <= 0 || height <= 0 {
                throw failure(handle, data: data, name: name, stage: "header")
            }
            try ImageDecoder.checkDimensions(width: Int(width), height: Int(height), name: name)

            let (scaledWidth, scaledHeight) = scaledSize(width: Int(width), height: Int(height), hintSize: hintSize)
            let isCMYK = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
            let channels = isCMYK ? 4 : 3
            let format = isCMYK ? TJPF_CMYK : TJPF_RGB
            var pixels = [UInt8](repeating: 0, count: scaledWidth * scaledHeight * channels)
            let status = pixels.withUnsafeMutableBufferPointer { out in
                tjDecompress2(handle, bytes.baseAddress, size, out.baseAddress, Int32(scaledWidth), 0,
                              Int32(scaledHeight), Int32(format.rawValue), 0)
            }
            if status != 0 {
                // Warnings (e.g. stray bytes between markers) still leave a usable image; a
                // premature end of data does not: the missing part would be filled with grey.
                let message = String(cString: tjGetErrorStr2(handle))
                let isWarning = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
                if !isWarning || message.contains("Premature end") {
                    throw failure(handle, data: data, name: name, stage: "data")
                }
            }
            if isCMYK { pixels = cmykToRGB(pixels) }
            return RGBImage(width: scaledWidth, height: scaledHeight, pixels: pixels)
        }
        return decoded.oriented(exif: orientation)
    }

    /// The smallest DCT scaling whose output keeps the short side ≥ `hintSize`.
    static func scaledSize(width: Int, height: Int, hintSize: Int?) -> (Int, Int) {
        guard let hint = hintSize, hint > 0 else { return (width, height) }
        var count: Int32 = 0
        guard let factors = tjGetScalingFactors(&count) else { return (width, height) }
        var best = (width, height)
        for i in 0..<Int(count) {
            let num = Int(factors[i].num), denom = Int(factors[i].denom)
            guard num < denom else { continue }  // only downscaling
            let w = (width * num + denom - 1) / denom, h = (height * num + denom - 1) / denom
            if min(w, h) >= hint && w * h < best.0 * best.1 { best = (w, h) }
        }
        return best
    }

    /// Adobe CMYK JPEGs store inverted ink values, so R = C·K/255 and so on.
    private static func cmykToRGB(_ cmyk: [UInt8]) -> [UInt8] {
        let count = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for p in 0..<count {
            let k = UInt32(cmyk[p * 4 + 3])
            for c in 0..<3 { rgb[p * 3 + c] = UInt8((UInt32(cmyk[p * 4 + c]) * k + 127) / 255) }
        }
        return rgb
    }

    private static func failure(_ handle: tjhandle, data: Data, name: String, stage: String) -> ImageError {
        let message = String(cString: tjGetErrorStr2(handle))
        let endsWithEOI = data.count >= 2 && data[data.endIndex - 2] == 0xFF && data[data.endIndex - 1] == 0xD9
        if message.contains("Premature end") || !endsWithEOI {
            return ImageError(file: name, kind: .truncated, reason: "JPEG data is truncated (\(message))")
        }
        return ImageError(file: name, kind: .corrupt, reason: "corrupt JPEG \(stage): \(message)")
    }
}
