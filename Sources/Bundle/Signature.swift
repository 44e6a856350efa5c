import Crypto
import Foundation
import YAML

/// `bundle.sig`: an Ed25519 signature over the exact bytes of bundle.yaml, with the signer's public key.
struct Signature: Sendable, Equatable {
    var key: PublicKey
    var signature: Data

    static func sign(_ manifest: [UInt8], with privateKey: Curve25519.Signing.PrivateKey, key: PublicKey) throws(BundleError) -> Signature {
        do {
            return Signature(key: key, signature: try privateKey.signature(for: Data(manifest)))
        } catch {
            throw .signature("cannot sign: \(error)")
        }
    }

    var text: String {
        YAMLEmitter.emit(.map([
            .init("algorithm", .string("ed25519")),
            .init("key_id", .string(key.id)),
            .init("key_name", .string(key.name)),
            .init("public_key", .string(key.raw.base64EncodedString())),
            .init("signature", .string(signature.base64EncodedString())),
        ]))
    }

    static func parse(_ bytes: [UInt8]) throws(BundleError) -> Signature {
        guard let text = String(validating: bytes, as: UTF8.self),
              let node = try? YAMLParser.parse(text, file: Manifest.signatureName, limits: .untrusted) else {
            throw .signature("bundle.sig is not readable YAML")
        }
        let v = node.value
        guard v["algorithm"]?.string == "ed25519" else { throw .signature("bundle.sig: unsupported algorithm (expected ed25519)") }
        guard let pub = v["public_key"]?.string.flatMap({ Data(base64Encoded: $0) }), pub.count == 32,
              let sig = v["signature"]?.string.flatMap({ Data(base64Encoded: $0) }), sig.count == 64 else {
            throw .signature("bundle.sig: malformed public_key or signature")
        }
        let parsed = Signature(key: PublicKey(name: v["key_name"]?.string ?? "", raw: pub, source: Manifest.signatureName), signature: sig)
        // Every byte counts: the file must be exactly what a signer writes for these values.
        guard parsed.text == text else { throw .signature("bundle.sig is damaged (its text is not what proj writes for its own values)") }
        return parsed
    }

    /// Checks the signature against `manifest` and that its key is one of `trusted`; returns the trusted key.
    func check(_ manifest: [UInt8], trusted: [PublicKey]) throws(BundleError) -> PublicKey {
        guard let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.raw),
              publicKey.isValidSignature(signature, for: Data(manifest)) else {
            throw .signature("bad signature: bundle.yaml was not signed by key \(key.id) (\(key.name)), or it was altered after signing")
        }
        guard let match = trusted.first(where: { $0.raw == key.raw }) else {
            throw .signature("signed by key \(key.id) (\(key.name)), which is not trusted; pass --trust FILE.pub or add it with `proj keys trust FILE.pub`")
        }
        return match
    }
}
