import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The few parts of S3's XML answers proj reads: a listing's keys, sizes and continuation, and an error's
/// code and message. Read with Foundation's XMLParser; anything else in the document is ignored.
final class S3XML: NSObject, XMLParserDelegate {
    struct Listing {
        var objects: [(key: String, size: Int64)] = []
        var truncated = false
        var nextToken: String?
    }

    private var path: [String] = []
    private var text = ""
    private(set) var listing = Listing()
    private var key: String?, size: Int64?
    private(set) var code: String?
    private(set) var message: String?
    private(set) var uploadID: String?

    static func parse(_ data: Data) -> S3XML {
        let reader = S3XML()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        _ = parser.parse()
        return reader
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        path.append(name)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let parent = path.dropLast().last
        switch (parent, name) {
        case ("Contents", "Key"): key = text
        case ("Contents", "Size"): size = Int64(text)
        case (_, "Contents"):
            if let key { listing.objects.append((key, size ?? 0)) }
            key = nil
            size = nil
        case ("ListBucketResult", "IsTruncated"): listing.truncated = text == "true"
        case ("ListBucketResult", "NextContinuationToken"): listing.nextToken = text
        case ("InitiateMultipartUploadResult", "UploadId"): uploadID = text
        case ("Error", "Code"): code = text
        case ("Error", "Message"): message = text
        default: break
        }
        path.removeLast()
        text = ""
    }
}
