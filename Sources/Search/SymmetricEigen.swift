import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Eigendecomposition of a real symmetric matrix with LAPACK's divide-and-conquer `ssyevd`,
/// which OpenBLAS ships (no LAPACK header on these machines, so the symbol is looked up once).
enum SymmetricEigen {
    /// ssyevd_(jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info, hidden string lengths).
    private typealias SSYEVD = @convention(c) (
        UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafePointer<Int32>, UnsafeMutablePointer<Float>,
        UnsafePointer<Int32>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafePointer<Int32>,
        UnsafeMutablePointer<Int32>, UnsafePointer<Int32>, UnsafeMutablePointer<Int32>, Int, Int
    ) -> Void

    private static let ssyevd: SSYEVD? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "ssyevd_") else { return nil }
        return unsafeBitCast(symbol, to: SSYEVD.self)
    }()

    /// Eigenvalues in descending order and the matching unit eigenvectors as rows (n × n, row-major).
    static func decompose(_ matrix: [Float], dimension n: Int) throws -> (values: [Float], vectors: [Float]) {
        precondition(matrix.count == n * n, "SymmetricEigen: \(matrix.count) values for \(n)×\(n)")
        guard let ssyevd else {
            throw SearchError(.lapack, file: "libopenblas", "ssyevd_ not found: OpenBLAS was built without LAPACK")
        }
        // Column-major in, column-major out: for a symmetric input the layout question disappears,
        // and eigenvector i (column i) lands in row i of our row-major buffer.
        var a = matrix
        var values = [Float](repeating: 0, count: n)
        var size = Int32(n), info: Int32 = 0
        var workQuery: Float = 0, iworkQuery: Int32 = 0, minusOne: Int32 = -1
        "V".withCString { jobz in
            "U".withCString { uplo in
                ssyevd(jobz, uplo, &size, &a, &size, &values, &workQuery, &minusOne, &iworkQuery, &minusOne, &info, 1, 1)
            }
        }
        guard info == 0 else { throw SearchError(.lapack, file: "ssyevd", "workspace query failed (info \(info))") }
        var lwork = Int32(workQuery), liwork = iworkQuery
        var work = [Float](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        "V".withCString { jobz in
            "U".withCString { uplo in
                ssyevd(jobz, uplo, &size, &a, &size, &values, &work, &lwork, &iwork, &liwork, &info, 1, 1)
            }
        }
        guard info == 0 else {
            throw SearchError(.lapack, file: "ssyevd", "did not converge on the \(n)×\(n) matrix (info \(info))")
        }
        // LAPACK sorts ascending; callers want the largest first.
        var descendingVectors = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            let source = n - 1 - i
            for j in 0..<n { descendingVectors[i * n + j] = a[source * n + j] }
        }
        return (values.reversed(), descendingVectors)
    }
}
