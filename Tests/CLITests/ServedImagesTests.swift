import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `GET /images/{id}` from `imgsearch serve` over a real index and socket: only images that decoded when
/// indexed, from under the catalog's folder or an `--image-root`, sniffed as images, never a FIFO, device or
/// directory; a symlinked image is sent whole.
final class ServedImagesTests: XCTestCase {
    private let root = FileManager.default.temporaryDirectory.appendingPathComponent("served-\(UUID().uuidString)")
    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    func testOnlyDecodedImagesUnderTheImageFoldersAreServed() throws {
        let shop = root.appendingPathComponent("shop"), outside = root.appendingPathComponent("outside")
        let extra = root.appendingPathComponent("extra")
        for n in 0..<4 { try CLIFixtures.writePattern(n, to: shop.appendingPathComponent("images/\(n).png")) }
        try CLIFixtures.writePattern(10, to: outside.appendingPathComponent("secret.png"))
        try CLIFixtures.writePattern(11, to: extra.appendingPathComponent("allowed.png"))
        try symlink("../images/0.png", shop.appendingPathComponent("images/link.png").path)
        try symlink(outside.appendingPathComponent("secret.png").path, shop.appendingPathComponent("images/escape.png").path)
        try Data("just text, not a picture\n".utf8).write(to: shop.appendingPathComponent("images/fake.png"))
        let catalog = shop.appendingPathComponent("catalog.jsonl")
        try CLIFixtures.writeCatalog([
            ("plain", "images/1.png"), ("linked", "images/link.png"), ("escape", "images/escape.png"),
            ("dotdot", "../outside/secret.png"), ("passwd", "/etc/passwd"), ("dotdot-passwd", "../../../../../../etc/passwd"),
            ("fake", "images/fake.png"), ("extra", extra.appendingPathComponent("allowed.png").path),
            ("becomes-fifo", "images/2.png"), ("becomes-dir", "images/3.png"),
        ], to: catalog)
        let model = try CLIFixtures.makeModel(in: root.appendingPathComponent("model"))
        let index = root.appendingPathComponent("index").path
        let env = ["IMGSEARCH_CACHE": root.appendingPathComponent("cache").path]
        let indexed = try CLIRunner.run(["index", "--catalog", catalog.path, "--model", model.path, "--index", index,
                                         "--image-root", extra.path, "--quiet"], environment: env)
        XCTAssertTrue([0, 2].contains(indexed.status), indexed.stderr)

        // After indexing, two images are swapped for a FIFO and a directory.
        let fifo = shop.appendingPathComponent("images/2.png"), folder = shop.appendingPathComponent("images/3.png")
        try FileManager.default.removeItem(at: fifo)
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        try FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)

        let server = try ServeProcess(["--index", index], environment: env)
        defer { server.stop() }
        let original = try Data(contentsOf: shop.appendingPathComponent("images/0.png"))
        let linked = try server.get("/images/linked")
        XCTAssertEqual(linked.status, 200)
        XCTAssertEqual(linked.body, original, "the symlink's target, whole (\(original.count) bytes)")
        XCTAssertEqual(linked.header("Content-Length"), "\(original.count)")
        XCTAssertEqual(linked.header("Content-Type"), "image/png")
        XCTAssertEqual(try server.get("/images/plain").status, 200)
        XCTAssertEqual(try server.get("/images/extra").status, 200, "under an --image-root")
        for id in ["escape", "dotdot", "passwd", "dotdot-passwd", "fake", "becomes-fifo", "becomes-dir"] {
            let reply = try server.get("/images/\(id)")
            XCTAssertEqual(reply.status, 404, "\(id): \(reply.text)")
            XCTAssertFalse(reply.text.contains("root:"), "\(id) leaked a system file")
            XCTAssertFalse(reply.text.contains(root.path), "\(id): the answer names a server path: \(reply.text)")
        }
        XCTAssertEqual(try server.get("/healthz").status, 200, "the server still answers after the FIFO")
    }

    private func symlink(_ target: String, _ path: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }
}
