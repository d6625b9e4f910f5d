import CompressNIO
import HTTPTypes
import Hummingbird

/// Compresses text responses (pages, stylesheet, JSON) with gzip for clients that accept it: units on slow
/// links get a page in a fraction of the bytes.
struct CompressionMiddleware: RouterMiddleware {
    typealias Context = WebContext
    /// Smaller bodies are not worth the header and the work.
    static let minimumBytes = 1024

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard let accepted = request.headers[.acceptEncoding]?.lowercased(), accepted.contains("gzip"),
              response.headers[.contentEncoding] == nil,
              let type = response.headers[.contentType], type.hasPrefix("text/") || type.hasPrefix("application/json"),
              let length = response.body.contentLength, length >= CompressionMiddleware.minimumBytes else {
            return response
        }
        let collector = Collector()
        let body = response.body
        try await body.write(CollectingWriter(collector: collector))
        var plain = collector.buffer
        let compressed = try plain.compress(with: .gzip())
        response.headers[.contentEncoding] = "gzip"
        response.headers[.vary] = "Accept-Encoding"
        response.headers[.contentLength] = nil
        response.body = ResponseBody(byteBuffer: compressed)
        return response
    }

    /// Where a response body is gathered before it is compressed.
    final class Collector: @unchecked Sendable {
        // @unchecked: written by one body writer, in sequence, then read once.
        var buffer = ByteBuffer()
    }

    struct CollectingWriter: ResponseBodyWriter {
        let collector: Collector

        mutating func write(_ buffer: ByteBuffer) async throws {
            var b = buffer
            collector.buffer.writeBuffer(&b)
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
