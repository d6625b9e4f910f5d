import Foundation
import HTTPTypes
import Hummingbird

/// An API failure as the API answers it: an HTTP status and `{"error": {"code", "message", "field"}}`.
public struct APIError: HTTPResponseError, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let field: String?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    static let unauthorized = APIError(.unauthorized, "unauthorized", "a valid bearer token is required (Authorization: Bearer TOKEN)")
    static let noSuchRoute = APIError(.notFound, "no_such_route", "no such API operation; see /openapi.json")
    static func forbidden(_ message: String, field: String? = nil) -> APIError { APIError(.forbidden, "forbidden", message, field: field) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    static func invalid(_ message: String, field: String?) -> APIError { APIError(.badRequest, "invalid", message, field: field) }

    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let field: String?

            func encode(to encoder: any Encoder) throws {
                // `field` is always present, null when the error is not about one field.
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(code, forKey: .code)
                try c.encode(message, forKey: .message)
                try c.encode(field, forKey: .field)
            }

            enum CodingKeys: String, CodingKey { case code, message, field }
        }

        let error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try APIJSON.response(Body(error: .init(code: code, message: message, field: field)), status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = #"Bearer realm="cordon""# }
        return response
    }
}

/// JSON in and out of the API: snake_case keys, ISO dates (as the domain encodes them), sorted keys.
enum APIJSON {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// A JSON body written by hand (see `APITargetList.json()`).
    static func response(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// Decodes `type` from `data`, or an `invalid` error naming the field, in the API's snake_case.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, prefix: String = "") throws(APIError) -> T {
        do {
            return try decoder.decode(type, from: data)
        } catch let error as DecodingError {
            throw APIJSON.invalid(error, prefix: prefix)
        } catch {
            throw APIError.invalid("the body is not JSON: \(error)", field: nil)
        }
    }

    static func invalid(_ error: DecodingError, prefix: String) -> APIError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce(prefix) { p, k in
                if let i = k.intValue { return "\(p)[\(i)]" }
                let name = snake(k.stringValue)
                return p.isEmpty ? name : "\(p).\(name)"
            }
        }
        switch error {
        case .keyNotFound(let key, let c): return .invalid("is required", field: path(c.codingPath + [key]))
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return .invalid("has the wrong type: \(c.debugDescription)", field: path(c.codingPath))
        case .dataCorrupted(let c): return .invalid(c.debugDescription, field: c.codingPath.isEmpty ? nil : path(c.codingPath))
        @unknown default: return .invalid("\(error)", field: nil)
        }
    }

    /// camelCase to snake_case, as the encoder writes keys.
    static func snake(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }
}
