// MARK: - Color

/// An sRGB colour with components in 0…1.
public struct Color: Sendable, Equatable {
    public var red, green, blue: Float

    public init(red: Float, green: Float, blue: Float) {
        self.red = red; self.green = green; self.blue = blue
    }

    /// From 0xRRGGBB.
    public init(hex: UInt32) {
        self.init(red: Float(hex >> 16 & 0xFF) / 255, green: Float(hex >> 8 & 0xFF) / 255, blue: Float(hex & 0xFF) / 255)
    }

    /// "#rrggbb" for SVG.
    public var svg: String {
        let bytes = [red, green, blue].map { UInt8(min(max($0 * 255 + 0.5, 0), 255)) }
        return "#" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    public static let white = Color(hex: 0xFFFFFF)
    public static let black = Color(hex: 0x000000)
    public static let grey = Color(hex: 0x7F7F7F)
    /// The pair lines of the original figure.
    public static let pairGreen = Color(hex: 0x2CA02C)
    public static let textMarker = Color(hex: 0xD62728)
}
