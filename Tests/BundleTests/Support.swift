@testable import Bundle
import Crypto
import Fingerprint
import Foundation
import Tabular
import YAML

/// A fresh temporary directory.
func temporaryDirectory(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("proj-bundle-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

let schemaText = """
    input:
      - {name: url, type: string}
      - {name: length, type: int, min: 0}
    output:
      - {name: label, type: int, values: [0, 1]}
      - {name: probability, type: double, min: 0, max: 1}

    """

let selftestText = """
    {"inputs": [{"url": "http://a.example", "length": 16}], "outputs": [{"label": 1, "probability": 0.9}]}

    """

/// Writes a bundle the way `proj bundle` does (same writer, same manifest), from in-memory files.
@discardableResult
func makeBundle(at path: String, extra: [String: [UInt8]] = [:], signer: (Curve25519.Signing.PrivateKey, PublicKey)? = nil,
                zstd: Bool = false, selftest: String = selftestText) throws -> Manifest {
    var contents: [String: [UInt8]] = [
        "model/weights.bin": Array(repeating: 7, count: 3000) + Array("tail".utf8),
        "schema.yaml": Array(schemaText.utf8),
        "selftest.json": Array(selftest.utf8),
        "metrics.json": Array("{\"f1\": 0.9}\n".utf8),
    ]
    for (k, v) in extra { contents[k] = v }
    let schema = try Schema.parse(schemaText, file: "schema.yaml")
    var manifest = Manifest(format: 1, name: "demo", version: "1.0.0", flavor: "linear", entry: "model/weights.bin",
                            schema: schema.value, metrics: .map([.init("f1", .double(0.9))]), params: .map([]),
                            provenance: .map([.init("tool", .string("proj test"))]), files: [:])
    var files: [BundleFile] = []
    for name in contents.keys.sorted(by: Manifest.byteOrder) {
        let bytes = contents[name]!
        files.append(BundleFile(name: name, source: .bytes(bytes), sha256: Hex.sha256(bytes), size: Int64(bytes.count), executable: false))
        manifest.files[name] = Manifest.File(sha256: Hex.sha256(bytes), size: Int64(bytes.count), executable: false)
    }
    let document = manifest.document
    let signature = try signer.map { try Signature.sign(document, with: $0.0, key: $0.1) }
    try Builder.write(path, document: document, signature: signature, files: files, zstd: zstd, mtime: 0)
    return manifest
}

/// A new in-memory key pair.
func newKey(_ name: String) -> (Curve25519.Signing.PrivateKey, PublicKey) {
    let key = Curve25519.Signing.PrivateKey()
    return (key, PublicKey(name: name, raw: key.publicKey.rawRepresentation, source: "test"))
}

/// Every regular file and directory under `root`, relative.
func listing(_ root: String) -> [String] {
    ((FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []).sorted()
}
