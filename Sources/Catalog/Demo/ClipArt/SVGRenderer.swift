import CRSVG
import Foundation
import Imaging

// MARK: - SVG rendering

/// Renders SVG documents to opaque RGB images with librsvg + cairo: the drawing is fitted (aspect kept,
/// centred) into a square canvas and composited on white. Broken or oversized files are errors, never crashes.
public enum SVGRenderer {
    /// Why an SVG was not rendered.
    public struct RenderError: Error, CustomStringConvertible, Sendable {
        public var file: String
        public var reason: String
        public var description: String { "\(file): \(reason)" }
    }

    /// Files above this size are skipped: librsvg's time and memory grow with the element count.
    public static let maximumFileBytes = 4 << 20

    /// Renders an SVG file into a `size`×`size` white canvas.
    public static func render(contentsOf url: URL, size: Int = 256) throws -> RGBImage {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RenderError(file: url.path, reason: "unreadable: \(error.localizedDescription)")
        }
        return try render(svg: data, name: url.path, size: size)
    }

    /// Renders SVG bytes into a `size`×`size` white canvas.
    public static func render(svg data: Data, name: String, size: Int = 256) throws -> RGBImage {
        guard data.count <= maximumFileBytes else {
            throw RenderError(file: name, reason: "\(data.count) bytes is over the \(maximumFileBytes)-byte limit")
        }
        guard size > 0, size <= 4096 else { throw RenderError(file: name, reason: "canvas size \(size) out of range") }
        var error: UnsafeMutablePointer<GError>?
        let handle = data.withUnsafeBytes { raw in
            rsvg_handle_new_from_data(raw.bindMemory(to: guint8.self).baseAddress, gsize(data.count), &error)
        }
        guard let handle else { throw RenderError(file: name, reason: "librsvg cannot parse it: \(consume(&error))") }
        defer { g_object_unref(handle) }

        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(size), Int32(size))
        defer { cairo_surface_destroy(surface) }
        let context = cairo_create(surface)
        defer { cairo_destroy(context) }
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)

        var viewport = fittedViewport(handle, size: Double(size))
        guard rsvg_handle_render_document(handle, context, &viewport, &error) != 0 else {
            throw RenderError(file: name, reason: "librsvg cannot render it: \(consume(&error))")
        }
        cairo_surface_flush(surface)
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let pixels = cairo_image_surface_get_data(surface) else {
            throw RenderError(file: name, reason: "cairo surface error")
        }
        let image = rgb(pixels, stride: Int(cairo_image_surface_get_stride(surface)), size: size)
        guard image.pixels.contains(where: { $0 < 250 }) else { throw RenderError(file: name, reason: "renders as a blank canvas") }
        return image
    }

    // MARK: Internals

    /// The drawing's intrinsic size scaled to fit the canvas, centred; the whole canvas when the SVG states no size.
    private static func fittedViewport(_ handle: UnsafeMutablePointer<RsvgHandle>, size: Double) -> RsvgRectangle {
        var width = 0.0, height = 0.0
        guard rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height) != 0,
              width.isFinite, height.isFinite, width > 0, height > 0 else {
            return RsvgRectangle(x: 0, y: 0, width: size, height: size)
        }
        let scale = size / max(width, height)
        let fitted = (width: width * scale, height: height * scale)
        return RsvgRectangle(x: (size - fitted.width) / 2, y: (size - fitted.height) / 2, width: fitted.width, height: fitted.height)
    }

    /// Cairo's premultiplied native-endian ARGB32 (opaque here, on white) → RGB bytes.
    private static func rgb(_ pixels: UnsafeMutablePointer<UInt8>, stride: Int, size: Int) -> RGBImage {
        var out = [UInt8](repeating: 0, count: size * size * 3)
        pixels.withMemoryRebound(to: UInt32.self, capacity: stride / 4 * size) { words in
            for y in 0..<size {
                for x in 0..<size {
                    let argb = words[y * (stride / 4) + x], o = (y * size + x) * 3
                    out[o] = UInt8(truncatingIfNeeded: argb >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: argb >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: argb)
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: out)
    }

    private static func consume(_ error: inout UnsafeMutablePointer<GError>?) -> String {
        guard let pointer = error else { return "unknown error" }
        defer { g_error_free(pointer); error = nil }
        return pointer.pointee.message.map { String(cString: $0) } ?? "unknown error"
    }
}
