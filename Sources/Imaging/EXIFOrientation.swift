import Foundation

// MARK: - EXIF orientation

/// Reads the EXIF Orientation tag (0x0112) from a JPEG's APP1 segment.
enum EXIFOrientation {
    /// 1…8 as defined by EXIF; 1 (as stored) when absent or unreadable.
    static func read(fromJPEG data: Data) -> Int {
        let bytes = [UInt8](data.prefix(256 * 1024))  // EXIF sits in the first segments
        var i = 2
        while i + 4 <= bytes.count, bytes[i] == 0xFF {
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }          // fill byte
            if marker == 0xDA || marker == 0xD9 { break }   // start of scan / end of image
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2, i + 2 + length <= bytes.count else { break }
            let segment = Array(bytes[(i + 4)..<(i + 2 + length)])
            if marker == 0xE1, segment.count > 14, Array(segment[0..<6]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                return orientation(tiff: Array(segment[6...])) ?? 1
            }
            i += 2 + length
        }
        return 1
    }

    /// Walks IFD0 of a TIFF structure looking for the orientation entry.
    private static func orientation(tiff: [UInt8]) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= tiff.count else { return nil }
            return littleEndian ? Int(tiff[o]) | Int(tiff[o + 1]) << 8 : Int(tiff[o]) << 8 | Int(tiff[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return littleEndian ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let entries = u16(ifd) else { return nil }
        for e in 0..<entries {
            let entry = ifd + 2 + e * 12
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112, u16(entry + 2) == 3, let value = u16(entry + 8), (1...8).contains(value) {
                return value
            }
        }
        return nil
    }
}

extension RGBImage {
    /// The image as it should be displayed under EXIF orientation `exif` (1…8).
    func oriented(exif: Int) -> RGBImage {
        guard (2...8).contains(exif) else { return self }
        let w = width, h = height
        let swapsAxes = exif >= 5
        let outWidth = swapsAxes ? h : w, outHeight = swapsAxes ? w : h
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy): (Int, Int)
                        switch exif {
                        case 2: (sx, sy) = (w - 1 - x, y)              // mirror horizontally
                        case 3: (sx, sy) = (w - 1 - x, h - 1 - y)      // rotate 180°
                        case 4: (sx, sy) = (x, h - 1 - y)              // mirror vertically
                        case 5: (sx, sy) = (y, x)                      // transpose
                        case 6: (sx, sy) = (y, h - 1 - x)              // rotate 90° clockwise
                        case 7: (sx, sy) = (w - 1 - y, h - 1 - x)      // transverse
                        default: (sx, sy) = (w - 1 - y, x)             // 8: rotate 90° counter-clockwise
                        }
                        let s = (sy * w + sx) * 3, d = (y * outWidth + x) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: out)
    }
}
